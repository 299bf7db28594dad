import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/*
 * Where the test services' binaries live. Shared by scripts/ensure-test-services.ts (which installs what is
 * missing) and the vitest global set-up (which starts them), so both agree on which binary is used.
 */

/** The FerretDB release the tests run against: v1 still has the SQLite handler, so no PostgreSQL is needed. */
export const FERRETDB_VERSION = 'v1.24.2';

export function findRedisServer(): string | undefined {
  return [...onPath('redis-server'), '/usr/bin/redis-server'].find(isExecutable);
}

/** The browser of the end-to-end tests: $BK_CHROMIUM, else Debian's chromium. */
export function findChromium(): string | undefined {
  return [process.env.BK_CHROMIUM, '/usr/bin/chromium', ...onPath('chromium')].find((bin) => bin !== undefined && isExecutable(bin));
}

/** The first FerretDB binary of the pinned version: $FERRETDB_BIN, PATH, then Go's install directories. */
export function findFerretDb(): string | undefined {
  const candidates = [process.env.FERRETDB_BIN, ...onPath('ferretdb'), ...goBinDirs().map((dir) => join(dir, 'ferretdb'))];
  return candidates.find((bin) => bin !== undefined && isExecutable(bin) && ferretDbVersion(bin) === FERRETDB_VERSION);
}

/** `version: v1.24.2` from `ferretdb --version`, or undefined when the binary does not run. */
export function ferretDbVersion(bin: string): string | undefined {
  try {
    return /^version:\s*(\S+)/im.exec(execFileSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 }))?.[1];
  } catch {
    return undefined;
  }
}

/** `7.0.15` from `redis-server --version`. */
export function redisServerVersion(bin: string): string | undefined {
  try {
    return /\bv=(\S+)/.exec(execFileSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 }))?.[1];
  } catch {
    return undefined;
  }
}

/** Where `go install` puts binaries: $GOBIN, else the first GOPATH entry's bin; plus the default ~/go/bin. */
export function goBinDirs(): string[] {
  const dirs: string[] = [];
  const gobin = goEnv('GOBIN');
  if (gobin) dirs.push(gobin);
  const gopath = goEnv('GOPATH')?.split(delimiter)[0];
  if (gopath) dirs.push(join(gopath, 'bin'));
  dirs.push(join(homedir(), 'go', 'bin'));
  return [...new Set(dirs)];
}

/** `go env NAME`, or undefined when Go is not installed or the value is empty. */
export function goEnv(name: string): string | undefined {
  try {
    return execFileSync('go', ['env', name], { encoding: 'utf8', timeout: 30_000 }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function onPath(name: string): string[] {
  return (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, name));
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
