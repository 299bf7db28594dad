/*
 * Run before `npm test`: makes sure the binaries of the real services the tests talk to are installed.
 * - redis-server: from the system's package manager (apt, when running as root)
 * - FerretDB (the MongoDB wire protocol over SQLite): built from source with Go, pinned to FERRETDB_VERSION
 * The vitest global set-up starts both on free ports; this script only installs.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FERRETDB_VERSION,
  ferretDbVersion,
  findFerretDb,
  findRedisServer,
  goBinDirs,
  redisServerVersion,
} from '../test/support/binaries.ts';

class SetupError extends Error {}

function ensureRedisServer(): void {
  let bin = findRedisServer();
  if (bin) {
    console.log(`redis-server: found ${bin} (${redisServerVersion(bin) ?? 'unknown version'})`);
    return;
  }
  if (process.getuid?.() !== 0) {
    throw new SetupError(
      'redis-server is not installed. Install it (Debian/Ubuntu: sudo apt-get install -y redis-server; ' +
        'macOS: brew install redis) or run this script as root to have it installed.',
    );
  }
  console.log('redis-server: not found, installing with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', 'redis-server'], { stdio: 'inherit', env });
  bin = findRedisServer();
  if (!bin) throw new SetupError('redis-server is still missing after apt-get install redis-server');
  console.log(`redis-server: installed ${bin} (${redisServerVersion(bin) ?? 'unknown version'})`);
}

function ensureFerretDb(): void {
  const found = findFerretDb();
  if (found) {
    console.log(`ferretdb: found ${found} (${FERRETDB_VERSION})`);
    return;
  }
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
  } catch {
    throw new SetupError(
      `ferretdb ${FERRETDB_VERSION} is not installed and Go is missing to build it. Install Go (https://go.dev/dl/) ` +
        'and rerun, or point FERRETDB_BIN at a FerretDB v1.24.2 binary.',
    );
  }
  const installDir = goBinDirs()[0] as string; // never empty: ~/go/bin is always listed
  console.log(`ferretdb: not found, building ${FERRETDB_VERSION} into ${installDir} (about a minute)`);
  buildFerretDb(join(installDir, 'ferretdb'));
  const built = findFerretDb();
  if (!built) throw new SetupError(`ferretdb was built into ${installDir} but does not report ${FERRETDB_VERSION}`);
  console.log(`ferretdb: installed ${built} (${ferretDbVersion(built)})`);
}

/*
 * Not `go install ...@v1.24.2`: the Go proxy refuses FerretDB's version list (403), and a binary built with
 * FerretDB as the main module panics at start because build/version/version.txt, which FerretDB's release
 * process generates, is empty in the module. So: download the module, copy it, write the version file, build.
 */
function buildFerretDb(output: string): void {
  const work = mkdtempSync(join(tmpdir(), 'ferretdb-build-'));
  // Output is piped where it is read (or is noise); on failure execFileSync's error carries the stderr.
  const go = (args: string[], cwd: string, stdio: 'inherit' | 'pipe' = 'inherit') =>
    execFileSync('go', args, { cwd, encoding: 'utf8', stdio: ['ignore', stdio, stdio] });
  try {
    go(['mod', 'init', 'fbbuild'], work, 'pipe');
    const download = go(['mod', 'download', '-json', `github.com/FerretDB/FerretDB@${FERRETDB_VERSION}`], work, 'pipe');
    const { Dir: moduleDir } = JSON.parse(download) as { Dir?: string };
    if (!moduleDir) throw new SetupError(`go mod download did not report a directory: ${download}`);

    const source = join(work, 'src');
    cpSync(moduleDir, source, { recursive: true });
    makeWritable(source); // the module cache is read-only, and so is a copy of it
    writeFileSync(join(source, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);

    mkdirSync(join(output, '..'), { recursive: true });
    go(['build', '-buildvcs=false', '-o', output, './cmd/ferretdb'], source);
  } finally {
    makeWritable(work);
    rmSync(work, { recursive: true, force: true });
  }
}

function makeWritable(path: string): void {
  execFileSync('chmod', ['-R', 'u+w', path]);
}

try {
  ensureRedisServer();
  ensureFerretDb();
} catch (error) {
  console.error(error instanceof SetupError ? error.message : error);
  process.exitCode = 1;
}
