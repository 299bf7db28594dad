import { lookup as dnsLookup } from 'node:dns/promises';
import type { IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { forbiddenAddressReason } from './address-policy.ts';
import { SamlMetadataFetchError } from './errors.ts';
import { MAX_METADATA_BYTES } from './metadata.ts';

/*
 * Fetching an admin-supplied metadata URL from inside our network, safely (OWASP SSRF prevention):
 * - https only (http only when `allowHttp`, for development)
 * - the host name is resolved once, every address it resolves to is vetted, and the connection goes to the
 *   vetted address (a custom `lookup`), so DNS rebinding cannot swap in another one; TLS still verifies the
 *   certificate against the host name
 * - loopback, private, CGNAT, link-local (cloud metadata), unique-local, multicast and unspecified addresses
 *   are refused before connecting, including their IPv4-mapped forms (address-policy.ts)
 * - redirects are not followed by the HTTP client: up to 3 are followed here, each hop vetted like the first
 * - one deadline for the whole fetch (default 5 s) and a streamed size cap (1 MiB) that aborts beyond it
 */
export interface MetadataFetchOptions {
  allowHttp?: boolean;
  /** Development and tests: true allows every private address, a list allows exactly those addresses. */
  allowPrivateAddresses?: boolean | readonly string[];
  timeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
  /** Resolves a host name to all its addresses; tests inject one. */
  resolve?: (hostname: string) => Promise<string[]>;
}

interface Vetted {
  url: URL;
  address: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export async function fetchIdpMetadata(url: string, options: MetadataFetchOptions = {}): Promise<string> {
  const signal = AbortSignal.timeout(options.timeoutMs ?? 5_000);
  const maxRedirects = options.maxRedirects ?? 3;
  let current = url;
  for (let hop = 0; ; hop++) {
    const vetted = await vet(current, options, signal);
    const response = await get(vetted, signal);
    const location = response.headers.location;
    if (REDIRECTS.has(response.statusCode ?? 0) && location) {
      response.resume();
      if (hop >= maxRedirects) throw new SamlMetadataFetchError('too_many_redirects', `more than ${maxRedirects} redirects`);
      current = new URL(location, vetted.url).href;
      continue;
    }
    if ((response.statusCode ?? 0) < 200 || (response.statusCode ?? 0) >= 300) {
      response.resume();
      throw new SamlMetadataFetchError('http_status', `the metadata URL answered HTTP ${response.statusCode}`);
    }
    return readCapped(response, options.maxBytes ?? MAX_METADATA_BYTES, signal);
  }
}

async function vet(target: string, options: MetadataFetchOptions, signal: AbortSignal): Promise<Vetted> {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new SamlMetadataFetchError('scheme_refused', 'the metadata URL is not a URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && options.allowHttp)) {
    throw new SamlMetadataFetchError('scheme_refused', `${url.protocol.replace(':', '')} URLs are not fetched; use https`);
  }
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(hostname) ? [hostname] : await beforeDeadline((options.resolve ?? resolveAll)(hostname), signal);
  } catch (error) {
    if (signal.aborted) throw failure(error as Error, signal);
    throw new SamlMetadataFetchError('dns_failed', `${hostname} could not be resolved`, { cause: error });
  }
  if (addresses.length === 0) throw new SamlMetadataFetchError('dns_failed', `${hostname} has no address`);
  const allowed = options.allowPrivateAddresses;
  for (const address of addresses) {
    const reason = forbiddenAddressReason(address);
    if (reason && !(allowed === true || (Array.isArray(allowed) && allowed.includes(address)))) {
      throw new SamlMetadataFetchError('address_refused', `${hostname} resolves to ${address}, a ${reason} address`);
    }
  }
  return { url, address: addresses[0] as string };
}

/** dns.lookup cannot be cancelled; the fetch's deadline still applies to it. */
function beforeDeadline<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const abort = () => reject(signal.reason);
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

async function resolveAll(hostname: string): Promise<string[]> {
  return (await dnsLookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);
}

function get({ url, address }: Vetted, signal: AbortSignal): Promise<IncomingMessage> {
  const family = isIP(address);
  // Answers every lookup of this connection with the vetted address, in both callback shapes Node uses.
  const pinned = ((_hostname: string, lookupOptions: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (lookupOptions?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as unknown as LookupFunction;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(url, {
      method: 'GET',
      lookup: pinned,
      signal,
      headers: { accept: 'application/samlmetadata+xml, application/xml;q=0.9, text/xml;q=0.8', 'user-agent': 'Bridgekeeper' },
    }, resolve);
    request.on('error', (error) => reject(failure(error, signal)));
    request.end();
  });
}

function readCapped(response: IncomingMessage, maxBytes: number, signal: AbortSignal): Promise<string> {
  const declared = Number(response.headers['content-length']);
  if (declared > maxBytes) {
    response.destroy();
    return Promise.reject(new SamlMetadataFetchError('too_large', `the metadata is ${declared} bytes; at most ${maxBytes} are read`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        // Rejected first: destroying emits 'aborted' synchronously, which would otherwise win.
        reject(new SamlMetadataFetchError('too_large', `the metadata is larger than ${maxBytes} bytes`));
        response.destroy();
      } else {
        chunks.push(chunk);
      }
    });
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', (error) => reject(failure(error, signal)));
    response.on('aborted', () => reject(failure(new Error('aborted'), signal)));
  });
}

function failure(error: Error, signal: AbortSignal): SamlMetadataFetchError {
  if (error instanceof SamlMetadataFetchError) return error;
  if (signal.aborted) return new SamlMetadataFetchError('timeout', 'the metadata URL did not answer in time', { cause: error });
  return new SamlMetadataFetchError('network', `the metadata URL could not be fetched: ${error.message}`, { cause: error });
}
