import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { calculateJwkThumbprint, decodeProtectedHeader } from 'jose';
import Provider, { type JWK } from 'oidc-provider';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKvAdapterFactory } from '../../../src/oidc/adapter.ts';
import { createPrivateJwkCipher, SigningKeyDecryptionError } from '../../../src/oidc/key-crypto.ts';
import { createKeyService, SIGNING_ALGS, type SigningAlg } from '../../../src/oidc/keys.ts';
import type { SigningKey } from '../../../src/oidc/model.ts';
import { createEmbeddedBackend } from '../../../src/store/embedded/backend.ts';
import { createMemoryKv } from '../../../src/store/kv/memory.ts';
import { createStores, type Stores } from '../../../src/store/stores.ts';

const SECRET = 'test signing-key encryption secret, 32+ characters';
const HOUR = 3600;

describe('signing keys', () => {
  let clock: Date;
  let stores: Stores;
  const now = () => clock;
  const service = (encryptionSecret = SECRET) => createKeyService({ keys: stores.signingKeys, encryptionSecret, now });
  const stored = async () => (await stores.signingKeys.list({ limit: 500 })).items;
  const advance = (seconds: number) => { clock = new Date(clock.getTime() + seconds * 1000); };

  beforeEach(async () => {
    clock = new Date('2030-01-01T00:00:00Z');
    stores = await createStores(createEmbeddedBackend({ memory: true }), now);
  });
  afterEach(() => stores.close());

  it('creates one active key per algorithm, once', async () => {
    const keys = service();
    await keys.ensureKeys();
    const first = await stored();
    await keys.ensureKeys();

    expect(await stored()).toEqual(first);
    expect(first.map((key) => [key.alg, key.status]).sort()).toEqual([['ES256', 'active'], ['RS256', 'active']]);
    for (const key of first) {
      expect(key.publicJwk).toMatchObject({ alg: key.alg, use: 'sig', kty: key.alg === 'ES256' ? 'EC' : 'RSA' });
      // RFC 7638 thumbprint, which is also what oidc-provider would compute for a key without kid.
      expect(key.publicJwk.kid).toBe(await calculateJwkThumbprint(key.publicJwk));
      expect(key.activatedAt).toBe(clock.toISOString());
    }
  });

  it('keeps private keys encrypted, bound to their record', async () => {
    const keys = service();
    await keys.ensureKeys();
    const privateJwks = (await keys.jwks()).keys;
    const records = await stored();

    for (const record of records) {
      expect(record.publicJwk).not.toHaveProperty('d');
      const json = JSON.stringify(record);
      const jwk = privateJwks.find((k) => k.kid === record.publicJwk.kid)!;
      for (const secretPart of [jwk.d, jwk.p, jwk.q].filter(Boolean)) expect(json).not.toContain(secretPart);
    }

    // The same ciphertext under another record's id does not decrypt.
    const [victim] = records as [SigningKey];
    const { id: _id, createdAt: _c, updatedAt: _u, version: _v, ...draft } = victim;
    await stores.signingKeys.create({ ...draft, id: 'swapped-record', status: 'next', activatedAt: null });
    const error = await keys.jwks().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SigningKeyDecryptionError);
    expect(error).toMatchObject({ keyId: 'swapped-record', code: 'signing_key_undecryptable' });
  });

  it('encrypts with a fresh IV and authenticates the record id', () => {
    const cipher = createPrivateJwkCipher(SECRET);
    const jwk = { kty: 'oct', k: 'AAAA' };
    const sealed = cipher.encrypt(jwk, 'key-1');

    expect(cipher.encrypt(jwk, 'key-1')).not.toBe(sealed);
    expect(cipher.decrypt(sealed, 'key-1')).toEqual(jwk);
    expect(() => cipher.decrypt(sealed, 'key-2')).toThrow(SigningKeyDecryptionError);
    expect(() => cipher.decrypt('c2hvcnQ', 'key-1')).toThrow(SigningKeyDecryptionError);
    expect(() => createPrivateJwkCipher('')).toThrow(/must not be empty/);
  });

  it('refuses to decrypt with another secret, naming the problem', async () => {
    await service().ensureKeys();
    const error = await service('a different secret').jwks().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SigningKeyDecryptionError);
    expect((error as Error).message).toMatch(/^signing key \S+ cannot be decrypted: the signing-key encryption secret is not the one/);
  });

  it('publishes the same key set on every instance', async () => {
    const [one, two] = [service(), service()];
    await one.ensureKeys();
    await two.ensureKeys();

    expect(await two.jwks()).toEqual(await one.jwks());
    expect(await two.publicJwks()).toEqual(await one.publicJwks());
    expect(await two.version()).toBe(await one.version());
    expect(await stored()).toHaveLength(2);
  });

  it('ends with one active key per algorithm when instances start together', async () => {
    const instances = Array.from({ length: 5 }, () => service());
    await Promise.all(instances.map((keys) => keys.ensureKeys()));

    const keys = await stored();
    expect(keys).toHaveLength(2);
    for (const alg of SIGNING_ALGS) expect(keys.filter((k) => k.alg === alg && k.status === 'active')).toHaveLength(1);
  });

  it('publishes a next key before it signs, and the retired key until the tokens it signed expired', async () => {
    const keys = service();
    await keys.ensureKeys();
    const kidOf = async (status: SigningKey['status']) =>
      (await stored()).find((k) => k.alg === 'ES256' && k.status === status)?.publicJwk.kid as string | undefined;
    const initial = await kidOf('active');
    const versions = [await keys.version()];

    // 1. rotate: published, not signing.
    await keys.rotate('ES256');
    const next = await kidOf('next');
    versions.push(await keys.version());
    let served = await serve(await keys.jwks());
    expect(served.published).toEqual(await keys.publicJwks());
    expect(served.published.keys.map((k) => k.kid)).toContain(next);
    expect(served.signingKids).toMatchObject({ ES256: initial });

    // 2. promote, after every instance has reloaded.
    advance(60);
    await expect(keys.promote('ES256', { minPublishedSeconds: 120 })).rejects.toMatchObject({
      code: 'signing_key_not_published_long_enough',
    });
    await keys.promote('ES256', { minPublishedSeconds: 60 });
    versions.push(await keys.version());
    const retired = (await stored()).find((k) => k.publicJwk.kid === initial)!;
    expect(retired).toMatchObject({ status: 'retired', retiredAt: clock.toISOString() });
    served = await serve(await keys.jwks());
    expect(served.published).toEqual(await keys.publicJwks());
    expect(served.published.keys.map((k) => k.kid)).toContain(initial);
    expect(served.signingKids).toMatchObject({ ES256: next });
    await expect(keys.promote('ES256')).rejects.toMatchObject({ code: 'no_next_signing_key' });

    // 3. prune, once the longest token lifetime has passed.
    advance(HOUR);
    expect(await keys.prune(HOUR)).toEqual([]);
    advance(1);
    expect((await keys.prune(HOUR)).map((k) => k.publicJwk.kid)).toEqual([initial]);
    expect((await keys.publicJwks()).keys.map((k) => k.kid)).not.toContain(initial);
    versions.push(await keys.version());

    expect(new Set(versions).size).toBe(versions.length);
    // RS256 was never touched.
    expect((await stored()).filter((k) => k.alg === 'RS256').map((k) => k.status)).toEqual(['active']);
  });

  it('signs with the later activation while a promotion has two keys active', async () => {
    const keys = service();
    await keys.ensureKeys();
    const next = await keys.rotate('ES256');
    advance(1);
    // The moment inside promote() between activating the next key and retiring the previous one.
    await stores.signingKeys.update(next.id, { status: 'active', activatedAt: clock.toISOString() });

    const firstEs256 = (await keys.jwks()).keys.find((k) => k.alg === 'ES256');
    expect(firstEs256?.kid).toBe(next.publicJwk.kid);
  });

  it('is accepted by oidc-provider, which serves exactly the public keys and signs with the active ones', async () => {
    const keys = service();
    await keys.ensureKeys();
    await keys.rotate('RS256');

    const served = await serve(await keys.jwks());
    const published = await keys.publicJwks();
    expect(served.published).toEqual(published);
    for (const key of served.published.keys) expect(key).not.toHaveProperty('d');
    const active = (await stored()).filter((k) => k.status === 'active');
    for (const alg of SIGNING_ALGS) {
      expect(served.signingKids[alg]).toBe(active.find((k) => k.alg === alg)!.publicJwk.kid);
    }
  });
});

/**
 * Runs oidc-provider with `jwks` on a loopback port: returns what its JWKS endpoint serves and the kid of
 * a token it signs per algorithm (JWT access tokens for a client_credentials grant choose their key the
 * same way ID tokens do: the keystore's first match).
 */
async function serve(jwks: { keys: JWK[] }) {
  const kv = createMemoryKv();
  const provider = new Provider('http://localhost:3000', {
    adapter: createKvAdapterFactory(kv),
    jwks,
    clients: [{
      client_id: 'service', client_secret: 'secret', grant_types: ['client_credentials'], response_types: [], redirect_uris: [],
    }],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        getResourceServerInfo: (_ctx, resource) => ({
          scope: 'api',
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: resource.endsWith('rs256') ? 'RS256' : 'ES256' } },
        }),
      },
    },
    ttl: { ClientCredentials: 600 },
  });
  const server = createServer(provider.callback()).listen(0, '127.0.0.1');
  try {
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const published = (await (await fetch(`${base}/jwks`)).json()) as { keys: JWK[] };
    const signingKids: Partial<Record<SigningAlg, string>> = {};
    for (const alg of SIGNING_ALGS) {
      const response = await fetch(`${base}/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from('service:secret').toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'api', resource: `urn:test:${alg.toLowerCase()}` }),
      });
      const body = (await response.json()) as { access_token?: string };
      expect(response.status, JSON.stringify(body)).toBe(200);
      signingKids[alg] = decodeProtectedHeader(body.access_token!).kid;
    }
    return { published, signingKids };
  } finally {
    server.close();
    await kv.close();
  }
}

