import { AppError, ValidationError } from '../../common/errors.ts';
import type { FieldErrors } from '../../../views/console/fields.ts';
import type { ConsoleMessageId, ConsoleText } from '../../../views/console/text.ts';

/* Reading urlencoded console forms, and turning service errors into messages tied to their fields. */

export type FormBody = Record<string, unknown>;

/** A single text value ('' when absent or repeated oddly). */
export function field(body: FormBody, name: string): string {
  const value = body[name];
  return typeof value === 'string' ? value : '';
}

/** Every value of a repeated field (checkboxes): none, one or several. */
export function fieldList(body: FormBody, name: string): string[] {
  const value = body[name];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}

/** Comma- or newline-separated text as its non-empty items. */
export function splitList(text: string): string[] {
  return text.split(/[,\n]/).map((item) => item.trim()).filter(Boolean);
}

/** The message for an application error: its code's translation where there is one, else its own (exposed) message. */
export function errorMessage(t: ConsoleText, error: AppError): string {
  const id = `error.${error.code}`;
  return t.has(id) ? t(id as ConsoleMessageId) : error.message;
}

/**
 * The errors of a refused change, by field id: validation problems by their path, mapped to the form's field
 * (`fieldFor` gets the service's path, e.g. `loginPolicy.methods`), other refusals as one general message.
 */
export function formErrors(t: ConsoleText, error: unknown, fieldFor: (path: string) => string | undefined = (p) => p.split(/[.[]/)[0]):
  { fields: FieldErrors; general?: string } {
  if (error instanceof ValidationError && error.details.length > 0) {
    const fields: Record<string, string> = {};
    const unplaced: string[] = [];
    for (const problem of error.details) {
      const id = fieldFor(problem.path);
      if (id && !fields[id]) fields[id] = problem.message;
      else if (!id) unplaced.push(`${problem.path}: ${problem.message}`);
    }
    return { fields, ...(unplaced.length > 0 ? { general: unplaced.join('; ') } : {}) };
  }
  if (error instanceof AppError && error.expose) return { fields: {}, general: errorMessage(t, error) };
  throw error;
}
