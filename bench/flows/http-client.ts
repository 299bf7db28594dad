import { Agent, request } from 'node:http';
import type { Page, SendInit } from '../../test/support/browser.ts';

/*
 * The load driver's HTTP client: node:http over kept-alive loopback connections. It shares the machine's two
 * cores with the server, and the global fetch (undici: WHATWG streams, Request and Response objects) spent
 * about twice as much of them per request, CPU the server's figures then could not use. The requests, their
 * bodies and cookies and the manual redirects are the browser's and the app's as before; only the headers fetch
 * adds by itself (accept-encoding, accept-language, user-agent, sec-fetch-mode) are not sent.
 */
const agent = new Agent({ keepAlive: true, maxSockets: 1024 });
/** A server that does not answer within this fails the iteration instead of hanging the bench. */
const TIMEOUT_MS = 30_000;
const IDEMPOTENT = new Set(['GET', 'HEAD']);

/** One HTTP exchange (http: only; the bench runs everything on loopback), redirects not followed. */
export async function send(url: string, init: SendInit & { signal?: AbortSignal | null | undefined }): Promise<Omit<Page, 'url'>> {
  const target = new URL(url);
  if (target.protocol !== 'http:') throw new Error(`the bench's client speaks http: only, not ${target.protocol}`);
  const headers: Record<string, string> = {};
  init.headers.forEach((value, name) => { headers[name] = value; });
  if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
  const signal = init.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(TIMEOUT_MS)]) : AbortSignal.timeout(TIMEOUT_MS);
  try {
    return await exchange(target, init.method, headers, init.body, signal);
  } catch (error) {
    // A kept-alive connection that failed as it was reused, before any answer: most likely the server closed
    // it as idle meanwhile. A GET goes again once, as browsers do; anything else could have been processed, so
    // it fails the iteration.
    if (!(error instanceof StaleConnection) || !IDEMPOTENT.has(init.method)) throw error;
    return exchange(target, init.method, headers, init.body, signal);
  }
}

class StaleConnection extends Error {}

function exchange(target: URL, method: string, headers: Record<string, string>, body: string | undefined, signal: AbortSignal): Promise<Omit<Page, 'url'>> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const outgoing = request(target, { method, headers, agent, signal }, (incoming) => {
      answered = true;
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('error', reject);
      incoming.on('end', () => {
        const received = new Headers();
        for (const [name, value] of Object.entries(incoming.headers)) {
          for (const each of Array.isArray(value) ? value : [value ?? '']) received.append(name, each);
        }
        resolve({ status: incoming.statusCode ?? 0, headers: received, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      const stale = outgoing.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE') && !answered;
      reject(stale ? new StaleConnection(error.message, { cause: error }) : error);
    });
    outgoing.end(body);
  });
}

/** The same client behind fetch's signature, for openid-client (its `customFetch`). */
export async function lightFetch(url: string, options: { method?: string; headers?: HeadersInit; body?: unknown; signal?: AbortSignal | null }): Promise<Response> {
  const body = options.body;
  if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof URLSearchParams)) {
    throw new Error('the bench\'s client sends string and form bodies only');
  }
  const headers = new Headers(options.headers);
  if (body instanceof URLSearchParams && !headers.has('content-type')) headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
  const sent = await send(url, { method: options.method ?? 'GET', headers, body: body === undefined || body === null ? undefined : String(body), signal: options.signal });
  const noBody = sent.status === 204 || sent.status === 205 || sent.status === 304;
  return new Response(noBody ? null : sent.body, { status: sent.status, headers: sent.headers });
}
