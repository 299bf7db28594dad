import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { normalizeEmail } from '../common/normalize.ts';

/*
 * What a limit counts against, in canonical form, so that spelling variants share one counter:
 * - emails as the directory compares them ("Ada@Example.com " and "ada@example.com" are one account)
 * - IPv4 addresses one by one; IPv6 addresses per /64, the prefix one subscriber or host is usually given
 *   (RFC 6177, RFC 7421): per address, an attacker would rotate through 2^64 of them at no cost
 * - IPv4-mapped IPv6 (::ffff:192.0.2.1, what a dual-stack socket reports) as the IPv4 address it carries
 * - ids (users, organisations) as they are
 * The canonical form is then hashed, which keeps emails and addresses out of Redis key listings and makes
 * every key the same short length whatever the input.
 */

export type SubjectKind = 'email' | 'ip' | 'id';

export function subjectKey(kind: SubjectKind, value: string): string {
  const canonical = kind === 'email' ? normalizeEmail(value) : kind === 'ip' ? ipBucket(value) : value;
  return createHash('sha256').update(`${kind}:${canonical}`, 'utf8').digest('base64url');
}

/** `v4:<address>`, `v6:<first four groups>::/64`, or `unknown` for anything that is not an IP address. */
export function ipBucket(address: string): string {
  const text = address.trim();
  if (isIPv4(text)) return `v4:${text}`;
  // Zone ids (fe80::1%eth0) name a local interface, not a different host.
  const unzoned = text.split('%')[0] ?? '';
  if (!isIPv6(unzoned)) return 'unknown';
  const groups = ipv6Groups(unzoned);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    const [high = 0, low = 0] = groups.slice(6);
    return `v4:${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  }
  return `v6:${groups.slice(0, 4).map((group) => group.toString(16)).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail converted). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const tail = text.slice(text.lastIndexOf(':') + 1);
  if (tail.includes('.')) {
    const [a = 0, b = 0, c = 0, d = 0] = tail.split('.').map(Number);
    text = `${text.slice(0, text.length - tail.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16)));
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}
