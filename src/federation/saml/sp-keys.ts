import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSelfSignedKeyPair } from './self-signed.ts';
import type { SpKeys } from './compiled-connection.ts';

/*
 * The service provider's key pair (signed AuthnRequests, encrypted assertions):
 * - the configured PEM files, in production
 * - none configured in development: a self-signed pair made once in <dataDir>/certs and kept, so IdPs that
 *   imported our metadata keep trusting it across restarts; never used when environment is production
 */
export async function loadSpKeys(options: {
  privateKeyFile: string;
  certificateFile: string;
  development: boolean;
  dataDir: string;
}): Promise<SpKeys | undefined> {
  if (options.privateKeyFile && options.certificateFile) {
    const [privateKeyPem, certificatePem] = await Promise.all([readFile(options.privateKeyFile, 'utf8'), readFile(options.certificateFile, 'utf8')]);
    return { privateKeyPem, certificatePem };
  }
  if (!options.development) return undefined;
  const dir = join(options.dataDir, 'certs');
  const keyFile = join(dir, 'saml-sp.key');
  const certFile = join(dir, 'saml-sp.crt');
  try {
    return { privateKeyPem: await readFile(keyFile, 'utf8'), certificatePem: await readFile(certFile, 'utf8') };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const pair = createSelfSignedKeyPair({ commonName: 'Bridgekeeper development SP' });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(keyFile, pair.privateKeyPem, { mode: 0o600, flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  await writeFile(certFile, pair.certificatePem, { mode: 0o644, flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  // Another process may have won the race: use what is on disk.
  return { privateKeyPem: await readFile(keyFile, 'utf8'), certificatePem: await readFile(certFile, 'utf8') };
}
