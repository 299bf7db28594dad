import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors, type AdapterFactory, type AdapterPayload, type JWK } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { KvStore } from '../../../src/common/kv.ts';
import { createKvAdapterFactory } from '../../../src/oidc/adapter.ts';
import { createMemoryKv } from '../../../src/store/kv/memory.ts';
import { createEmbeddedBackend } from '../../../src/store/embedded/backend.ts';
import { requestCache, withRequestCache } from '../../../src/store/request-cache.ts';
import { createStores } from '../../../src/store/stores.ts';
import { userDraft } from '../../support/samples.ts';
import { createRedisKv } from '../../../src/store/kv/redis.ts';

/*
 * The adapter's contract, run on every KV backend: the memory store of the embedded default and a real
 * redis-server (started by the global set-up; without it these tests fail rather than skip).
 */
const redisKv = () => createRedisKv({ url: inject('redisUrl'), prefix: `test:adapter:${randomUUID()}:` });

describe.each([
  { backend: 'memory', open: () => createMemoryKv() },
  { backend: 'redis', open: redisKv },
])('KV adapter on $backend', ({ open }) => {
  let kv: KvStore;
  let adapterFor: AdapterFactory;

  beforeAll(() => {
    kv = open();
    adapterFor = createKvAdapterFactory(kv, { defaultTtlSeconds: 3600 });
  });
  afterAll(() => kv.close());

  const token = (grantId: string, extra: Partial<AdapterPayload> = {}): AdapterPayload => ({
    jti: randomUUID(), grantId, clientId: 'client-1', accountId: 'account-1', kind: 'AuthorizationCode', ...extra,
  });

  /** A grant with a code, an access token and a refresh token, as after a first redemption. */
  async function grantWithTokens(grantId = randomUUID()) {
    const ids = { grant: grantId, code: randomUUID(), access: randomUUID(), refresh: randomUUID() };
    await adapterFor('Grant').upsert(grantId, { jti: grantId, accountId: 'account-1', clientId: 'client-1' }, 600);
    await adapterFor('AuthorizationCode').upsert(ids.code, token(grantId), 60);
    await adapterFor('AccessToken').upsert(ids.access, token(grantId, { kind: 'AccessToken' }), 600);
    await adapterFor('RefreshToken').upsert(ids.refresh, token(grantId, { kind: 'RefreshToken' }), 600);
    return ids;
  }

  async function survivors(ids: { code: string; access: string; refresh: string }) {
    const found = await Promise.all([
      adapterFor('AuthorizationCode').find(ids.code),
      adapterFor('AccessToken').find(ids.access),
      adapterFor('RefreshToken').find(ids.refresh),
    ]);
    return found.filter(Boolean).length;
  }

  it('stores, finds and destroys records per model', async () => {
    const id = randomUUID();
    const payload = token('grant-a', { kind: 'AccessToken', scope: 'openid' });
    await adapterFor('AccessToken').upsert(id, payload, 60);

    expect(await adapterFor('AccessToken').find(id)).toEqual(payload);
    expect(await adapterFor('RefreshToken').find(id)).toBeUndefined();
    expect(await adapterFor('AccessToken').find(randomUUID())).toBeUndefined();

    await adapterFor('AccessToken').upsert(id, { ...payload, scope: 'openid email' }, 60);
    expect(await adapterFor('AccessToken').find(id)).toMatchObject({ scope: 'openid email' });

    await adapterFor('AccessToken').destroy(id);
    expect(await adapterFor('AccessToken').find(id)).toBeUndefined();
  });

  it('finds a session by uid, following an identifier rotation', async () => {
    const sessions = adapterFor('Session');
    const uid = randomUUID();
    const [first, rotated] = [randomUUID(), randomUUID()];
    await sessions.upsert(first, { jti: first, uid, kind: 'Session' }, 600);
    expect(await sessions.findByUid(uid)).toMatchObject({ jti: first });

    // What Session#save does after resetIdentifier: destroy the old id, then save the new one.
    await sessions.destroy(first);
    await sessions.upsert(rotated, { jti: rotated, uid, kind: 'Session' }, 600);
    expect(await sessions.findByUid(uid)).toMatchObject({ jti: rotated });

    await sessions.destroy(rotated);
    expect(await sessions.findByUid(uid)).toBeUndefined();
    expect(await sessions.findByUid(randomUUID())).toBeUndefined();
  });

  it('finds a device code by user code', async () => {
    const deviceCodes = adapterFor('DeviceCode');
    const id = randomUUID();
    await deviceCodes.upsert(id, { jti: id, userCode: 'WDJB-MJHT', kind: 'DeviceCode' }, 600);
    expect(await deviceCodes.findByUserCode('WDJB-MJHT')).toMatchObject({ jti: id });

    await deviceCodes.destroy(id);
    expect(await deviceCodes.findByUserCode('WDJB-MJHT')).toBeUndefined();
  });

  it('expires records after expiresIn, and keeps those saved without one for the default', async () => {
    const id = randomUUID();
    await adapterFor('Interaction').upsert(id, { jti: id, kind: 'Interaction' }, 0.2);
    await adapterFor('Grant').upsert(id, { jti: id, kind: 'Grant' });
    expect(await adapterFor('Interaction').find(id)).toBeDefined();

    await sleep(400);
    expect(await adapterFor('Interaction').find(id)).toBeUndefined();
    const remaining = await kv.ttl(`oidc:Grant:${id}`);
    expect(remaining).toBeGreaterThan(3590);
    expect(remaining).toBeLessThanOrEqual(3600);
  });

  it('revokes every token of a grant and nothing else, leaving the Grant to oidc-provider', async () => {
    const revoked = await grantWithTokens();
    const kept = await grantWithTokens();

    await adapterFor('AccessToken').revokeByGrantId(revoked.grant);

    expect(await survivors(revoked)).toBe(0);
    expect(await survivors(kept)).toBe(3);
    // revokeGrantPolicy decides about the Grant; oidc-provider destroys it itself when the policy says so.
    expect(await adapterFor('Grant').find(revoked.grant)).toBeDefined();
  });

  it('marks a consumed record, and a second redemption revokes the grant', async () => {
    const ids = await grantWithTokens();
    const codes = adapterFor('AuthorizationCode');

    const before = Math.floor(Date.now() / 1000);
    await codes.consume(ids.code);
    const consumed = (await codes.find(ids.code))?.consumed as number;
    expect(consumed).toBeGreaterThanOrEqual(before);
    expect(consumed).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));

    await expect(codes.consume(ids.code)).rejects.toBeInstanceOf(errors.InvalidGrant);
    expect(await survivors(ids)).toBe(0);
    expect(await adapterFor('Grant').find(ids.grant)).toBeUndefined();
  });

  it('lets exactly one of 20 concurrent redemptions succeed and revokes the grant for the others', async () => {
    const ids = await grantWithTokens();
    const other = await grantWithTokens();
    const codes = adapterFor('AuthorizationCode');

    const results = await Promise.allSettled(Array.from({ length: 20 }, () => codes.consume(ids.code)));

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(failures).toHaveLength(19);
    for (const failure of failures) {
      expect(failure.reason).toBeInstanceOf(errors.InvalidGrant);
      expect(failure.reason).toMatchObject({ error: 'invalid_grant', error_detail: 'authorization code already consumed' });
    }
    expect(await survivors(ids)).toBe(0);
    expect(await adapterFor('Grant').find(ids.grant)).toBeUndefined();
    expect(await survivors(other)).toBe(3);
  });

  it('drops tokens the winner writes after a concurrent reuse revoked the grant', async () => {
    const ids = await grantWithTokens();
    const codes = adapterFor('AuthorizationCode');
    await codes.consume(ids.code);
    await expect(codes.consume(ids.code)).rejects.toBeInstanceOf(errors.InvalidGrant);

    // The winning request finishes issuing only now.
    const late = randomUUID();
    await adapterFor('RefreshToken').upsert(late, token(ids.grant, { kind: 'RefreshToken' }), 600);
    expect(await adapterFor('RefreshToken').find(late)).toBeUndefined();
  });

  it('refuses a pushed authorization request used twice with invalid_request_uri', async () => {
    const requests = adapterFor('PushedAuthorizationRequest');
    const id = randomUUID();
    await requests.upsert(id, { jti: id, kind: 'PushedAuthorizationRequest' }, 60);
    await requests.consume(id);
    await expect(requests.consume(id)).rejects.toBeInstanceOf(errors.InvalidRequestUri);
  });

  it('refuses to consume a record that no longer exists', async () => {
    await expect(adapterFor('RefreshToken').consume(randomUUID())).rejects.toBeInstanceOf(errors.InvalidGrant);
  });
});

describe('KV adapter on two instances sharing one Redis', () => {
  // Same prefix, separate connections: two processes of one deployment.
  const prefix = `test:adapter:${randomUUID()}:`;
  const kvs = [
    createRedisKv({ url: inject('redisUrl'), prefix }),
    createRedisKv({ url: inject('redisUrl'), prefix }),
  ] as const;
  const [one, two] = kvs.map((kv) => createKvAdapterFactory(kv)) as [AdapterFactory, AdapterFactory];
  afterAll(() => Promise.all(kvs.map((kv) => kv.close())));

  it('lets exactly one of 20 concurrent redemptions across both instances succeed', async () => {
    const grantId = randomUUID();
    const code = randomUUID();
    await one('AuthorizationCode').upsert(code, { jti: code, grantId, kind: 'AuthorizationCode' }, 60);
    expect(await two('AuthorizationCode').find(code)).toMatchObject({ grantId });

    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? one : two)('AuthorizationCode').consume(code)),
    );

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(errors.InvalidGrant);
    }
    expect(await one('AuthorizationCode').find(code)).toBeUndefined();
  });
});

describe('oidc-provider on two instances sharing one Redis', () => {
  const prefix = `test:adapter:${randomUUID()}:`;
  const kvs = [
    createRedisKv({ url: inject('redisUrl'), prefix }),
    createRedisKv({ url: inject('redisUrl'), prefix }),
  ];
  let instances: { provider: Provider; url: string; close: () => void }[] = [];

  beforeAll(async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), alg: 'ES256', use: 'sig' } as JWK;
    instances = await Promise.all(kvs.map((kv) => startProvider(kv, jwk)));
  });
  afterAll(async () => {
    for (const instance of instances) instance.close();
    await Promise.all(kvs.map((kv) => kv.close()));
  });

  it('answers 20 concurrent redemptions of one code with one token response and 19 invalid_grant', async () => {
    const [first, second] = instances as [(typeof instances)[0], (typeof instances)[0]];
    const { code, verifier } = await issueCode(first.provider);
    const body = new URLSearchParams({
      grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier,
    });

    const responses = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const response = await fetch(`${(i % 2 === 0 ? first : second).url}/token`, {
          method: 'POST',
          body,
          headers: { authorization: `Basic ${Buffer.from('client-1:secret-1').toString('base64')}` },
        });
        return { status: response.status, body: (await response.json()) as Record<string, string> };
      }),
    );

    const issued = responses.filter((r) => r.status === 200);
    expect(issued).toHaveLength(1);
    const refused = responses.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(19);
    for (const response of refused) expect(response).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });

    // The reuse revoked the grant, including what the winning request issued while the losers revoked.
    const tokens = issued[0]!.body;
    expect(await second.provider.AccessToken.find(tokens.access_token!)).toBeUndefined();
    expect(await second.provider.RefreshToken.find(tokens.refresh_token!)).toBeUndefined();
  });
});

const REDIRECT_URI = 'https://rp.test/callback';

async function startProvider(kv: KvStore, jwk: JWK) {
  const provider = new Provider('http://localhost:3000', {
    adapter: createKvAdapterFactory(kv),
    jwks: { keys: [jwk] },
    clients: [{
      client_id: 'client-1',
      client_secret: 'secret-1',
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      id_token_signed_response_alg: 'ES256',
    }],
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    features: { devInteractions: { enabled: false } },
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 3600, IdToken: 600, RefreshToken: 3600 },
  });
  const server = createServer(provider.callback()).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return { provider, url: `http://127.0.0.1:${port}`, close: () => server.close() };
}

/** What a finished sign-in leaves behind: a grant and an authorization code bound to a PKCE verifier. */
async function issueCode(provider: Provider) {
  const client = await provider.Client.find('client-1');
  if (!client) throw new Error('client-1 is not configured');
  const grant = new provider.Grant({ accountId: 'account-1', clientId: 'client-1' });
  grant.addOIDCScope('openid offline_access');
  const grantId = await grant.save();
  const verifier = randomBytes(32).toString('base64url');
  const code = await new provider.AuthorizationCode({
    accountId: 'account-1',
    client,
    grantId,
    gty: 'authorization_code',
    scope: 'openid offline_access',
    redirectUri: REDIRECT_URI,
    codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
    codeChallengeMethod: 'S256',
    authTime: Math.floor(Date.now() / 1000),
  }).save();
  return { code, verifier };
}

describe('KV adapter within one request', () => {
  it('reads an interaction from the KV store once, and afresh after writing or removing it', async () => {
    const memory = createMemoryKv();
    let reads = 0;
    const counting: KvStore = { ...memory, get: (key) => (reads++, memory.get(key)) };
    const interactions = createKvAdapterFactory(counting)('Interaction');
    const stores = withRequestCache(await createStores(createEmbeddedBackend({ memory: true })));
    await interactions.upsert('uid-1', { uid: 'uid-1', params: { client_id: 'app' } } as AdapterPayload, 60);
    await requestCache()({} as never, async () => {
      reads = 0;
      const first = await interactions.find('uid-1');
      (first as { params: Record<string, string> }).params.client_id = 'scribbled';
      expect(await interactions.find('uid-1')).toMatchObject({ params: { client_id: 'app' } });
      expect(reads).toBe(1);
      // A directory write in the same request (the last-login time, say) forgets the directory's reads only.
      const user = await stores.users.create(userDraft());
      await stores.users.update(user.id, { name: 'Renamed' });
      expect((await stores.users.get(user.id)).name).toBe('Renamed');
      await interactions.find('uid-1');
      expect(reads).toBe(1);
      await interactions.upsert('uid-1', { uid: 'uid-1', params: { client_id: 'app' }, result: { login: { accountId: 'user-1' } } } as AdapterPayload, 60);
      expect(await interactions.find('uid-1')).toHaveProperty('result');
      await interactions.destroy('uid-1');
      expect(await interactions.find('uid-1')).toBeUndefined();
    });
    // Outside a request every find reads the store, as does any other model.
    reads = 0;
    await interactions.find('uid-1');
    await interactions.find('uid-1');
    expect(reads).toBe(2);
    await memory.close();
  });
});
