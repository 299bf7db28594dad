import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSelfSignedKeyPair } from '../../../../src/federation/saml/self-signed.ts';
import { loadSpKeys } from '../../../../src/federation/saml/sp-keys.ts';

let dataDir: string;
beforeEach(async () => { dataDir = await mkdtemp(join(tmpdir(), 'bk-spkeys-')); });
afterEach(async () => { await rm(dataDir, { recursive: true, force: true }); });

describe('self-signed certificates', () => {
  it('always encode as valid DER, whatever random serial they draw', () => {
    // A serial whose first byte came out 0 was once an invalid (non-minimal) INTEGER, about one time in 256.
    for (let i = 0; i < 400; i++) {
      const pair = createSelfSignedKeyPair({ modulusLength: 1024 });
      expect(new X509Certificate(pair.certificatePem).serialNumber).toMatch(/^[4-7][0-9A-F]/);
    }
  });
});

describe('the SP key pair', () => {
  it('is made once in development and kept in the data directory, the private key readable by its owner only', async () => {
    const first = await loadSpKeys({ privateKeyFile: '', certificateFile: '', development: true, dataDir });
    const again = await loadSpKeys({ privateKeyFile: '', certificateFile: '', development: true, dataDir });
    expect(again).toEqual(first);
    expect(new X509Certificate(first!.certificatePem).subject).toContain('Bridgekeeper development SP');
    expect((await stat(join(dataDir, 'certs', 'saml-sp.key'))).mode & 0o077).toBe(0);
  });

  it('is the configured files when given, and none in production without them', async () => {
    const pair = createSelfSignedKeyPair({ commonName: 'sp.example.com' });
    await writeFile(join(dataDir, 'sp.key'), pair.privateKeyPem);
    await writeFile(join(dataDir, 'sp.crt'), pair.certificatePem);
    const configured = await loadSpKeys({ privateKeyFile: join(dataDir, 'sp.key'), certificateFile: join(dataDir, 'sp.crt'), development: false, dataDir });
    expect(configured).toEqual({ privateKeyPem: pair.privateKeyPem, certificatePem: await readFile(join(dataDir, 'sp.crt'), 'utf8') });
    expect(await loadSpKeys({ privateKeyFile: '', certificateFile: '', development: false, dataDir })).toBeUndefined();
  });
});
