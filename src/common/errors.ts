/*
 * Application errors carry an HTTP status, a stable machine-readable code and whether the message may be
 * shown to the caller. Only errors below 500 are exposed; everything else is logged and answered generically.
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly expose: boolean;

  /** `expose` overrides the default for a 5xx whose message is written for the caller (no internals in it). */
  constructor(status: number, code: string, message: string, options?: ErrorOptions & { expose?: boolean }) {
    super(message, options);
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.expose = options?.expose ?? status < 500;
  }
}

/** The addressed object does not exist (or is not visible to the caller: tenant isolation answers 404 too). */
export class NotFoundError extends AppError {
  constructor(what: string, options?: ErrorOptions) {
    super(404, 'not_found', `${what} not found`, options);
  }
}

/** A write would break a uniqueness rule (duplicate email, slug, group name, ...). */
export class ConflictError extends AppError {
  readonly key: string;

  constructor(what: string, key: string, options?: ErrorOptions) {
    super(409, 'conflict', `${what} already exists`, options);
    this.key = key;
  }
}

/** A request was well-formed JSON/HTML but broke a validation rule; `details` names the offending fields. */
export class ValidationError extends AppError {
  readonly details: readonly { path: string; message: string }[];

  constructor(message: string, details: readonly { path: string; message: string }[] = []) {
    super(400, 'invalid_request', message);
    this.details = details;
  }
}

/** A backing service (database, Redis) cannot be reached; callers answer 503 and retry later. */
export class UnavailableError extends AppError {
  constructor(service: string, options?: ErrorOptions) {
    super(503, 'service_unavailable', `${service} is unavailable`, options);
  }
}

/** The caller is known but may not do this (missing permission, self-modification, escalation, ...). */
export class ForbiddenError extends AppError {
  constructor(code: string, message: string) {
    super(403, code, message);
  }
}

/** A plan limit would be exceeded (users, groups). 409: the request is fine, the organisation's state is not. */
export class LimitExceededError extends AppError {
  readonly limit: number;

  constructor(code: string, message: string, limit: number) {
    super(409, code, message);
    this.limit = limit;
  }
}

/** The caller did not authenticate, or its credentials are not (or no longer) valid. */
export class UnauthenticatedError extends AppError {
  constructor(message = 'Authentication required') {
    super(401, 'unauthenticated', message);
  }
}
