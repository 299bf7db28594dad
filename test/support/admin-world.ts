import { fileURLToPath } from 'node:url';
import type { IDToken } from 'openid-client';
import { adminApi, adminToken, CONSOLE_SECRET } from './admin-client.ts';
import { Browser } from './browser.ts';
import { startBridgekeeper, type Backends, type TestServer } from './bridgekeeper.ts';
import { authorizationUrl, exchange, relyingParty, signIn } from './oidc-flow.ts';
import { startPlainSmtp, type RunningSmtp, smtpEnv } from './smtp.ts';

export const DIRECTORY_WORLD = fileURLToPath(new URL('../fixtures/directory-world.yaml', import.meta.url));

export type AdminApi = ReturnType<typeof adminApi>;

export interface AdminWorld {
  server: TestServer;
  /** The SMTP server Bridgekeeper sends to (a new one after restartSmtp). */
  readonly smtp: RunningSmtp;
  /** Starts the SMTP server again on the port it had, after a test stopped it. */
  restartSmtp(port: number): Promise<void>;
  /** The admin API as `email` (signed in through the console app to the organisation its domain names, cached). */
  as(email: string): Promise<AdminApi>;
  /** The console access token of `email` (cached). */
  token(email: string): Promise<string>;
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
  let smtp = await startPlainSmtp();
  const server = await startBridgekeeper({
    backends,
    bootstrap: DIRECTORY_WORLD,
    env: {
      ...smtpEnv(smtp),
      BRIDGEKEEPER_MAIL__SMTP__TIMEOUT_MS: '2000',
    },
  });
  const tokens = new Map<string, Promise<string>>();
  const ids = new Map<string, string>();
  const world: AdminWorld = {
    server,
    get smtp() { return smtp; },
    async restartSmtp(port) {
      smtp = await startPlainSmtp({}, port);
    },
    token(email) {
      let token = tokens.get(email);
      if (!token) {
        token = adminToken(server.issuer, email, { organization: email.split('@')[1]!.split('.')[0]! });
        tokens.set(email, token);
      }
      return token;
    },
    as: async (email) => adminApi(server.issuer, await world.token(email)),
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
