/*
 * Canonical forms used for uniqueness and lookups. Stored beside the original so that a user sees what they
 * typed while "Ada@Example.com" and "ada@example.com" are one account.
 */

/** Email: Unicode NFC, trimmed, lower-cased (the local part is case-insensitive in practice everywhere). */
export function normalizeEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}

/** The domain part of an email, normalised. */
export function emailDomain(email: string): string {
  const normalized = normalizeEmail(email);
  return normalized.slice(normalized.lastIndexOf('@') + 1);
}

/** Names compared case-insensitively (group names, slugs): NFC, trimmed, inner spaces collapsed, lower-cased. */
export function normalizeName(name: string): string {
  return name.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();
}
