import { BlockList, isIPv4, isIPv6 } from 'node:net';

/*
 * Addresses a server-side fetch of an admin-supplied URL must never reach (SSRF): this host, the private
 * networks behind it and cloud metadata endpoints. IPv6 forms that embed an IPv4 address (IPv4-mapped,
 * NAT64, 6to4) are judged by the IPv4 address they carry.
 */
const V4: ReadonlyArray<[string, number, string]> = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private (RFC 1918)'],
  ['100.64.0.0', 10, 'shared address space (CGNAT, RFC 6598)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private (RFC 1918)'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.168.0.0', 16, 'private (RFC 1918)'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

const V6: ReadonlyArray<[string, number, string]> = [
  ['::', 96, 'unspecified or IPv4-compatible'],
  ['100::', 64, 'discard'],
  ['2001:db8::', 32, 'documentation'],
  ['fc00::', 7, 'unique-local'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
];

function rangeList(ranges: ReadonlyArray<[string, number, string]>, family: 'ipv4' | 'ipv6') {
  return ranges.map(([network, prefix, label]) => {
    const list = new BlockList();
    list.addSubnet(network, prefix, family);
    return { list, label };
  });
}

const v4Ranges = rangeList(V4, 'ipv4');
const v6Ranges = rangeList(V6, 'ipv6');

/** Why `address` must not be contacted, or undefined when it is a public unicast address. */
export function forbiddenAddressReason(address: string): string | undefined {
  if (isIPv4(address)) return v4Ranges.find(({ list }) => list.check(address, 'ipv4'))?.label;
  if (!isIPv6(address)) return 'not an IP address';
  const embedded = embeddedIPv4(address);
  if (embedded) {
    const reason = forbiddenAddressReason(embedded);
    return reason && `${reason} (embedded in ${address})`;
  }
  if (address === '::1' || expand(address).every((group, index) => group === (index === 7 ? 1 : 0))) return 'loopback';
  return v6Ranges.find(({ list }) => list.check(address, 'ipv6'))?.label;
}

/** The IPv4 address inside ::ffff:a.b.c.d (mapped), 64:ff9b::a.b.c.d (NAT64) or 2002:AABB:CCDD:: (6to4). */
function embeddedIPv4(address: string): string | undefined {
  const groups = expand(address);
  const v4 = (high: number, low: number) => [high >> 8, high & 255, low >> 8, low & 255].join('.');
  const zero = (from: number, to: number) => groups.slice(from, to).every((group) => group === 0);
  if (zero(0, 5) && groups[5] === 0xffff) return v4(groups[6] ?? 0, groups[7] ?? 0);
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zero(2, 6)) return v4(groups[6] ?? 0, groups[7] ?? 0);
  if (groups[0] === 0x2002) return v4(groups[1] ?? 0, groups[2] ?? 0);
  return undefined;
}

/** Eight 16-bit groups of an IPv6 address, dotted IPv4 tails included. */
function expand(address: string): number[] {
  let text = address.split('%')[0] ?? '';
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted[1].split('.').map(Number);
    text = `${text.slice(0, -dotted[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part ? part.split(':').map((group) => Number.parseInt(group, 16)) : []);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
}
