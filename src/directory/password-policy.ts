import { normalizeEmail } from '../common/normalize.ts';
import { invalidInput } from './input.ts';

/*
 * Password rules after NIST SP 800-63B (5.1.1.2, memorized secrets):
 * - at least 8 characters, and at least 64 accepted: we accept up to 128 (longer inputs only cost hashing time);
 *   length counts Unicode code points, so every printable character and space is allowed
 * - no composition rules (no "one digit and one symbol"), no periodic expiry
 * - refuse values known to be commonly used or expected, and context-specific words: the account's own email
 *   or its local part, the service name
 */

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

// The most common passwords of at least 8 characters in public breach corpora, and this service's name.
const COMMON = new Set([
  'password', 'password1', 'password12', 'password123', 'passw0rd', '12345678', '123456789', '1234567890',
  '11111111', '00000000', '87654321', 'qwertyui', 'qwerty123', 'qwertyuiop', '1q2w3e4r', '1qaz2wsx', 'iloveyou',
  'sunshine', 'princess', 'football', 'baseball', 'superman', 'trustno1', 'abcd1234', 'letmein1', 'welcome1',
  'admin123', 'changeme', 'bridgekeeper', 'aaaaaaaa', 'asdfghjk', 'zaq12wsx',
]);

/** What is wrong with `password`, as messages (empty when nothing). */
export function passwordProblems(password: string, context: { email?: string } = {}): string[] {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return [`must be at least ${PASSWORD_MIN_LENGTH} characters`];
  if (length > PASSWORD_MAX_LENGTH) return [`must be at most ${PASSWORD_MAX_LENGTH} characters`];
  const folded = password.normalize('NFKC').toLowerCase();
  if (COMMON.has(folded)) return ['is too common; choose a less predictable password'];
  if (context.email !== undefined) {
    const email = normalizeEmail(context.email);
    const localPart = email.slice(0, email.lastIndexOf('@'));
    if (folded === email || folded === localPart) return ['must not be your email address'];
  }
  return [];
}

/** @throws ValidationError naming `path` */
export function assertPasswordPolicy(password: string, path: string, context: { email?: string } = {}): void {
  const problems = passwordProblems(password, context);
  if (problems.length > 0) {
    throw invalidInput(problems.map((message) => ({ path, message })));
  }
}
