import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forbiddenAddressReason } from '../../../../src/federation/saml/address-policy.ts';
import { SamlMetadataFetchError } from '../../../../src/federation/saml/errors.ts';
import { fetchIdpMetadata, type MetadataFetchOptions } from '../../../../src/federation/saml/metadata-fetch.ts';
import { createTestKeyPair } from '../../../fixtures/saml/x509.ts';

const METADATA = '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="urn:idp"/>';

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SamlMetadataFetchError) return error.reason;
    throw error;
  }
  throw new Error('expected the fetch to be refused');
}

/** An HTTP server on a loopback address that counts the connections it receives. */
async function listen(host: string, handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string; connections: () => number }> {
  const server = createServer(handler);
  let connections = 0;
  server.on('connection', () => { connections++; });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, url: `http://${host}:${(server.address() as AddressInfo).port}`, connections: () => connections };
}

describe('forbidden addresses', () => {
  it.each([
    ['127.0.0.1', 'loopback'], ['127.255.0.9', 'loopback'], ['10.1.2.3', 'private'], ['172.16.0.1', 'private'], ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'], ['100.64.0.1', 'CGNAT'], ['169.254.169.254', 'link-local'], ['0.0.0.0', 'unspecified'], ['224.0.0.1', 'multicast'],
    ['::1', 'loopback'], ['::', 'unspecified'], ['fe80::1', 'link-local'], ['fc00::1', 'unique-local'], ['fd12:3456::1', 'unique-local'],
    ['ff02::1', 'multicast'], ['::ffff:127.0.0.1', 'loopback'], ['::ffff:7f00:1', 'loopback'], ['::ffff:169.254.169.254', 'link-local'],
    ['64:ff9b::a00:1', 'private'], ['2002:c0a8:0101::1', 'private'],
  ])('refuses %s (%s)', (address, label) => {
    expect(forbiddenAddressReason(address)).toContain(label);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows %s', (address) => {
    expect(forbiddenAddressReason(address)).toBeUndefined();
  });
});

describe('fetching IdP metadata', () => {
  let origin: Awaited<ReturnType<typeof listen>>;
  let bystander: Awaited<ReturnType<typeof listen>>;
  const local: MetadataFetchOptions = { allowHttp: true, allowPrivateAddresses: ['127.0.0.1'] };

  beforeAll(async () => {
    // 127.0.0.2 is loopback too: the server there stands for anything internal a redirect might aim at.
    bystander = await listen('127.0.0.2', (_req, res) => res.end('internal secrets'));
    origin = await listen('127.0.0.1', (req, res) => {
      const path = req.url ?? '/';
      if (path === '/metadata') return res.end(METADATA);
      if (path === '/to-internal') return res.writeHead(302, { location: `${bystander.url}/` }).end();
      if (path === '/to-cloud-metadata') return res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      const hops = /^\/hops\/(\d+)$/.exec(path);
      if (hops) return res.writeHead(302, { location: Number(hops[1]) > 0 ? `/hops/${Number(hops[1]) - 1}` : '/metadata' }).end();
      if (path === '/huge') {
        res.writeHead(200);
        const chunk = Buffer.alloc(64 * 1024, 'x');
        for (let i = 0; i < 32; i++) res.write(chunk);
        return res.end();
      }
      if (path === '/huge-declared') return res.writeHead(200, { 'content-length': String(2 * 1024 * 1024) }).end();
      if (path === '/slow') return undefined;
      return res.writeHead(404).end();
    });
  });
  afterAll(async () => {
    origin.server.closeAllConnections();
    await Promise.all([origin, bystander].map(({ server }) => new Promise((resolve) => server.close(resolve))));
  });

  it('fetches metadata from an allowed address', async () => {
    expect(await fetchIdpMetadata(`${origin.url}/metadata`, local)).toBe(METADATA);
  });

  it('refuses plain http by default, before connecting', async () => {
    const before = origin.connections();
    expect(await reasonOf(fetchIdpMetadata(`${origin.url}/metadata`, { allowPrivateAddresses: true }))).toBe('scheme_refused');
    expect(await reasonOf(fetchIdpMetadata('file:///etc/passwd'))).toBe('scheme_refused');
    expect(origin.connections()).toBe(before);
  });

  it('refuses loopback by default, and makes no connection', async () => {
    const before = origin.connections();
    expect(await reasonOf(fetchIdpMetadata(`${origin.url}/metadata`, { allowHttp: true }))).toBe('address_refused');
    expect(await reasonOf(fetchIdpMetadata(`http://localhost:${new URL(origin.url).port}/metadata`, { allowHttp: true }))).toBe('address_refused');
    expect(await reasonOf(fetchIdpMetadata(`http://[::ffff:127.0.0.1]:${new URL(origin.url).port}/metadata`, { allowHttp: true }))).toBe('address_refused');
    expect(origin.connections()).toBe(before);
  });

  it('refuses a host name when any of its addresses is private or link-local', async () => {
    for (const addresses of [['10.0.0.5'], ['169.254.169.254'], ['93.184.216.34', '127.0.0.1'], ['fe80::1'], ['fd00::1'], ['100.64.1.1']]) {
      const refused = await reasonOf(fetchIdpMetadata('https://idp.example.test/metadata', { resolve: async () => addresses }));
      expect(refused, addresses.join(',')).toBe('address_refused');
    }
  });

  it('connects to the address it vetted, resolving the name once', async () => {
    const lookups: string[] = [];
    const resolve = async (hostname: string) => {
      lookups.push(hostname);
      return lookups.length === 1 ? ['127.0.0.1'] : ['127.0.0.2'];
    };
    const url = `http://metadata.idp.test:${new URL(origin.url).port}/metadata`;
    expect(await fetchIdpMetadata(url, { ...local, resolve })).toBe(METADATA);
    expect(lookups).toEqual(['metadata.idp.test']);
  });

  it('refuses a redirect to a loopback address, without connecting to it', async () => {
    expect(await reasonOf(fetchIdpMetadata(`${origin.url}/to-internal`, local))).toBe('address_refused');
    expect(await reasonOf(fetchIdpMetadata(`${origin.url}/to-cloud-metadata`, local))).toBe('address_refused');
    expect(bystander.connections()).toBe(0);
  });

  it('follows up to three redirects, not four', async () => {
    expect(await fetchIdpMetadata(`${origin.url}/hops/2`, local)).toBe(METADATA);
    expect(await reasonOf(fetchIdpMetadata(`${origin.url}/hops/3`, local))).toBe('too_many_redirects');
  });

  it('stops reading beyond 1 MiB, declared or not', async () => {
    expect(await reasonOf(fetchIdpMetadata(`${origin.url}/huge`, local))).toBe('too_large');
    expect(await reasonOf(fetchIdpMetadata(`${origin.url}/huge-declared`, local))).toBe('too_large');
  });

  it('gives up after the timeout', async () => {
    expect(await reasonOf(fetchIdpMetadata(`${origin.url}/slow`, { ...local, timeoutMs: 200 }))).toBe('timeout');
  });

  it('reports an HTTP error status', async () => {
    expect(await reasonOf(fetchIdpMetadata(`${origin.url}/missing`, local))).toBe('http_status');
  });

  it('verifies the TLS certificate of an https URL', async () => {
    const keys = createTestKeyPair({ commonName: '127.0.0.1' });
    const server = createHttpsServer({ key: keys.privateKeyPem, cert: keys.certificatePem }, (_req, res) => res.end(METADATA));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/metadata`;
      expect(await reasonOf(fetchIdpMetadata(url, { allowPrivateAddresses: true }))).toBe('network');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('fetching IdP metadata, slow DNS', () => {
  it('counts name resolution against the deadline', async () => {
    const resolve = () => new Promise<string[]>(() => undefined);
    expect(await reasonOf(fetchIdpMetadata('https://idp.example.test/metadata', { resolve, timeoutMs: 100 }))).toBe('timeout');
  });
});
