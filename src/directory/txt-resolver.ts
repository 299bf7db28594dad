import { Resolver } from 'node:dns/promises';

/*
 * DNS TXT lookups for domain verification, behind a one-method port so the verification rules do not care
 * where answers come from. The default asks the system's resolvers (or the configured servers) directly,
 * each query bounded by `timeoutMs` and retried `tries` times, so a dead server fails a verification within
 * seconds rather than holding an admin request open.
 */
export interface TxtResolver {
  /** Each record as its character-strings (RFC 1035 3.3.14); rejects with a node:dns error code. */
  resolveTxt(name: string): Promise<string[][]>;
}

export interface DnsResolverOptions {
  /** `ip` or `ip:port` (IPv6 as `[ip]:port`); default: the system's resolvers. */
  servers?: readonly string[];
  /** Per query attempt; default 2000 ms. */
  timeoutMs?: number;
  /** Attempts per server; default 2. */
  tries?: number;
}

export function createDnsTxtResolver(options: DnsResolverOptions = {}): TxtResolver {
  const resolver = new Resolver({ timeout: options.timeoutMs ?? 2_000, tries: options.tries ?? 2 });
  if (options.servers && options.servers.length > 0) resolver.setServers([...options.servers]);
  return { resolveTxt: (name) => resolver.resolveTxt(name) };
}
