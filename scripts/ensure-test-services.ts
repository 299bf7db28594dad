/*
 * Run before `npm test`: makes sure the binaries of the real services the tests talk to are installed.
 * - redis-server and chromium (the end-to-end tests' browser): from the system's package manager (apt, when
 *   running as root)
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
  findChromium,
  findRedisServer,
  goBinDirs,
  redisServerVersion,
} from '../test/support/binaries.ts';

class SetupError extends Error {}

/** A Debian package's binary: found, or installed with apt-get when running as root, or a clear error. */
function ensureDebianPackage(name: string, find: () => string | undefined, describe: (bin: string) => string, elsewhere: string): void {
  let bin = find();
  if (bin) {
    console.log(`${name}: found ${describe(bin)}`);
    return;
  }
  if (process.getuid?.() !== 0) {
    throw new SetupError(`${name} is not installed. Install it (Debian/Ubuntu: sudo apt-get install -y ${name}; ${elsewhere}) or run this script as root to have it installed.`);
  }
  console.log(`${name}: not found, installing with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', name], { stdio: 'inherit', env });
  bin = find();
  if (!bin) throw new SetupError(`${name} is still missing after apt-get install ${name}`);
  console.log(`${name}: installed ${describe(bin)}`);
}

function ensureRedisServer(): void {
  ensureDebianPackage('redis-server', findRedisServer, (bin) => `${bin} (${redisServerVersion(bin) ?? 'unknown version'})`, 'macOS: brew install redis');
}

/** The browser the end-to-end tests drive with playwright-core: Debian's, never a downloaded build. */
function ensureChromium(): void {
  ensureDebianPackage('chromium', findChromium, (bin) => bin, 'elsewhere: set BK_CHROMIUM to a Chromium or Chrome binary');
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
  ensureChromium();
  ensureFerretDb();
} catch (error) {
  console.error(error instanceof SetupError ? error.message : error);
  process.exitCode = 1;
}
