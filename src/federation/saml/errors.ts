import { AppError } from '../../common/errors.ts';

/*
 * Why a SAML response was refused. The codes are a contract: the sign-in journey logs them, the admin console
 * shows them with `detail`, tests assert them. The person signing in only ever sees the generic message, so a
 * refused response tells an attacker nothing about which check it failed.
 */
export const SAML_REJECTION_REASONS = [
  'too_large',
  'malformed',
  'doctype',
  'status_not_success',
  'multiple_assertions',
  'encrypted_not_configured',
  'sha1_refused',
  'unsupported_algorithm',
  'unsigned_assertion',
  'unknown_signer',
  'invalid_signature',
  'issuer_mismatch',
  'destination_mismatch',
  'recipient_mismatch',
  'audience_mismatch',
  'not_yet_valid',
  'assertion_expired',
  'missing_subject',
  'in_response_to_mismatch',
  'unsolicited',
  'in_response_to_unknown',
  'relay_state_mismatch',
  'replayed',
] as const;

export type SamlRejectionReason = (typeof SAML_REJECTION_REASONS)[number];

export class SamlValidationError extends AppError {
  readonly reason: SamlRejectionReason;
  /** One sentence for the organisation's admin; never shown to the person signing in. */
  readonly detail: string;
  /** The IdP's StatusCode values, outermost first, when it answered with an error status. */
  readonly idpStatus?: readonly string[];

  constructor(reason: SamlRejectionReason, detail: string, options?: ErrorOptions & { idpStatus?: readonly string[] }) {
    super(400, 'saml_response_invalid', 'The response from your identity provider could not be accepted.', options);
    this.reason = reason;
    this.detail = detail;
    if (options?.idpStatus) this.idpStatus = options.idpStatus;
  }
}

/** Why IdP metadata could not be read. Stable, like the rejection reasons. */
export type MetadataProblem =
  | 'too_large'
  | 'malformed'
  | 'doctype'
  | 'entity_not_found'
  | 'entity_ambiguous'
  | 'no_idp_descriptor'
  | 'no_sso_service'
  | 'no_certificate';

export class SamlMetadataError extends AppError {
  readonly reason: MetadataProblem;

  constructor(reason: MetadataProblem, message: string) {
    super(400, 'saml_metadata_invalid', message);
    this.reason = reason;
  }
}

/** Why a metadata URL was not fetched. `address_refused` and `scheme_refused` are decided before connecting. */
export type MetadataFetchProblem =
  | 'scheme_refused'
  | 'address_refused'
  | 'dns_failed'
  | 'too_many_redirects'
  | 'timeout'
  | 'too_large'
  | 'http_status'
  | 'network';

export class SamlMetadataFetchError extends AppError {
  readonly reason: MetadataFetchProblem;

  constructor(reason: MetadataFetchProblem, message: string, options?: ErrorOptions) {
    super(400, 'saml_metadata_unreachable', message, options);
    this.reason = reason;
  }
}
