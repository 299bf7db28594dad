import { Agent, request } from 'node:http';
import type { Page, SendInit } from '../../test/support/browser.ts';

/*
 * The load driver's HTTP client: node:http over kept-alive loopback connections. It shares the machine's two
 * cores with the server, and the global fetch (undici: WHATWG streams, Request and Response objects) spent
 * about twice as much of them per request, CPU the server's figures then could not use. What goes over the
 * wire is the same: the requests, headers, bodies and manual redirects of the browser and the app.
 */
const agent = new Agent({ keepAlive: true, maxSockets: 1024 });

/** One HTTP exchange (http: only; the bench runs everything on loopback), redirects not followed. */
export async function send(url: string, init: SendInit): Promise<Omit<Page, 'url'>> {
  const target = new URL(url);
  if (target.protocol !== 'http:') throw new Error(`the bench's client speaks http: only, not ${target.protocol}`);
  const headers: Record<string, string> = {};
  init.headers.forEach((value, name) => { headers[name] = value; });
  if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
  try {
    return await exchange(target, init.method, headers, init.body);
  } catch (error) {
    // A kept-alive connection the server closed as idle just as it was reused: the server read nothing of
    // this request (it answered nothing), so it is sent once more, as browsers do.
    if (!(error instanceof StaleConnection)) throw error;
    return exchange(target, init.method, headers, init.body);
  }
}

class StaleConnection extends Error {}

function exchange(target: URL, method: string, headers: Record<string, string>, body: string | undefined): Promise<Omit<Page, 'url'>> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const outgoing = request(target, { method, headers, agent }, (incoming) => {
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
      const stale = outgoing.reusedSocket && error.code === 'ECONNRESET' && !answered;
      reject(stale ? new StaleConnection(error.message, { cause: error }) : error);
    });
    outgoing.end(body);
  });
}

/** The same client behind fetch's signature, for openid-client (its `customFetch`). */
export async function lightFetch(url: string, options: { method?: string; headers?: HeadersInit; body?: unknown }): Promise<Response> {
  const body = options.body;
  if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof URLSearchParams)) {
    throw new Error('the bench\'s client sends string and form bodies only');
  }
  const headers = new Headers(options.headers);
  if (body instanceof URLSearchParams && !headers.has('content-type')) headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
  const sent = await send(url, { method: options.method ?? 'GET', headers, body: body === undefined || body === null ? undefined : String(body) });
  const noBody = sent.status === 204 || sent.status === 205 || sent.status === 304;
  return new Response(noBody ? null : sent.body, { status: sent.status, headers: sent.headers });
}
