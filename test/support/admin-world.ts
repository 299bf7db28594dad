import { fileURLToPath } from 'node:url';
import type { IDToken } from 'openid-client';
import { adminApi, adminToken, CONSOLE_SECRET } from './admin-client.ts';
import { Browser } from './browser.ts';
import { startBridgekeeper, type Backends, type TestServer } from './bridgekeeper.ts';
import { authorizationUrl, exchange, relyingParty, signIn } from './oidc-flow.ts';
import { startPlainSmtp, type RunningSmtp } from './smtp.ts';

export const DIRECTORY_WORLD = fileURLToPath(new URL('../fixtures/directory-world.yaml', import.meta.url));

export type AdminApi = ReturnType<typeof adminApi>;

export interface AdminWorld {
  server: TestServer;
  smtp: RunningSmtp;
  /** The admin API as `email` (signed in through the console app, cached per email). */
  as(email: string): Promise<AdminApi>;
  /** The admin API with any bearer credential (an API key, a foreign token). */
  withCredential(credential: string): AdminApi;
  /** The user id of a member, looked up by an owner of its organisation (owner@<its domain> by default). */
  userId(email: string, owner?: string): Promise<string>;
  /** Signs `email` in through the console app and returns the verified ID token claims. */
  signInClaims(email: string, options?: { password?: string; organization?: string }): Promise<IDToken>;
  stop(): Promise<void>;
}

/** Bridgekeeper on the directory world, with a real SMTP server receiving its mail. */
export async function startAdminWorld(backends: Backends = 'redis+ferretdb'): Promise<AdminWorld> {
  const smtp = await startPlainSmtp();
  const server = await startBridgekeeper({
    backends,
    bootstrap: DIRECTORY_WORLD,
    env: {
      BRIDGEKEEPER_MAIL__SMTP__HOST: '127.0.0.1',
      BRIDGEKEEPER_MAIL__SMTP__PORT: String(smtp.port),
      BRIDGEKEEPER_MAIL__SMTP__START_TLS: 'never',
    },
  });
  const apis = new Map<string, Promise<AdminApi>>();
  const ids = new Map<string, string>();
  const world: AdminWorld = {
    server,
    smtp,
    as(email) {
      let api = apis.get(email);
      if (!api) {
        api = adminToken(server.issuer, email).then((token) => adminApi(server.issuer, token));
        apis.set(email, api);
      }
      return api;
    },
    withCredential: (credential) => adminApi(server.issuer, credential),
    async userId(email, owner = `owner@${email.split('@')[1]}`) {
      const cached = ids.get(email);
      if (cached) return cached;
      const found = await (await world.as(owner)).get<{ items: { userId: string; email: string }[] }>(`/members?search=${encodeURIComponent(email)}`);
      const member = found.body.items.find((m) => m.email === email);
      if (!member) throw new Error(`${email} is not a member of ${owner}'s organization`);
      ids.set(email, member.userId);
      return member.userId;
    },
    async signInClaims(email, options = {}) {
      const rp = await relyingParty(server.issuer, 'console', CONSOLE_SECRET);
      const started = await authorizationUrl(rp);
      const tokens = await exchange(rp, started, await signIn(new Browser(), started, { email, ...options }));
      return tokens.claims()!;
    },
    async stop() {
      await server.stop();
      await smtp.stop();
    },
  };
  return world;
}
