import { Browser } from './browser.ts';
import { authorizationUrl, exchange, relyingParty, signIn } from './oidc-flow.ts';

export const CONSOLE_SECRET = 'console-secret-0123456789abcdef0123';

/** Signs `email` in through the console app (first party, `admin` scope), in `organization` when asked, and returns its access token. */
export async function adminToken(issuer: string, email: string, options: { clientId?: string; secret?: string; scope?: string; organization?: string } = {}): Promise<string> {
  const rp = await relyingParty(issuer, options.clientId ?? 'console', options.secret ?? CONSOLE_SECRET);
  const started = await authorizationUrl(rp, { scope: options.scope ?? 'openid organization admin' });
  const tokens = await exchange(rp, started, await signIn(new Browser(), started, { email, ...(options.organization ? { organization: options.organization } : {}) }));
  return tokens.access_token;
}

export interface AdminResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/** A JSON client of /admin/v1 with a bearer credential. */
export function adminApi(issuer: string, credential: string) {
  async function call<T>(method: string, path: string, body?: unknown): Promise<AdminResponse<T>> {
    const response = await fetch(`${issuer}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${credential}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }
  return {
    get: <T = Record<string, unknown>>(path: string) => call<T>('GET', path),
    post: <T = Record<string, unknown>>(path: string, body?: unknown) => call<T>('POST', path, body ?? {}),
    patch: <T = Record<string, unknown>>(path: string, body: unknown) => call<T>('PATCH', path, body),
    delete: <T = Record<string, unknown>>(path: string) => call<T>('DELETE', path),
  };
}

