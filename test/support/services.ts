import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/*
 * Runs a real service binary for the test run: its own temp dir, output kept for error messages, a readiness
 * probe polled until it answers, and a stop that kills the process and removes the dir.
 */
export interface RunningService {
  readonly name: string;
  readonly dir: string;
  stop(): Promise<void>;
}

export interface ServiceSpec {
  name: string;
  bin: string;
  /** Arguments, given the service's private temp dir. */
  args: (dir: string) => string[];
  /** Resolves once the service answers; rejections mean "not yet". */
  ready: () => Promise<void>;
  timeoutMs?: number;
  /** A directory of the caller's, kept when the service stops (to restart it on the same data); default: a temp dir of its own. */
  dir?: string;
}

const OUTPUT_TAIL_CHARS = 4_000;

export async function startService(spec: ServiceSpec): Promise<RunningService> {
  const ownDir = spec.dir === undefined;
  const dir = spec.dir ?? await mkdtemp(join(tmpdir(), `bk-${spec.name}-`));
  let output = '';
  const child = spawn(spec.bin, spec.args(dir), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `exited with ${signal ?? `code ${code}`}`));
  child.once('error', (error) => (exited = `could not start: ${error.message}`));

  const service: RunningService = {
    name: spec.name,
    dir,
    async stop() {
      await kill(child);
      if (ownDir) await rm(dir, { recursive: true, force: true });
    },
  };

  const timeoutMs = spec.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (exited) break;
    try {
      await spec.ready();
      return service;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) break;
    await sleep(100);
  }
  const reason = exited ?? `did not answer within ${timeoutMs / 1000} s (${String(lastError)})`;
  await service.stop();
  throw new Error(`test service ${spec.name} (${spec.bin}) ${reason}. Last output:\n${output.trim() || '(none)'}`);
}

/** A port that was free a moment ago: bind port 0, read what the OS chose, release it. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exit = once(child, 'exit');
  child.kill('SIGTERM');
  const stopped = await Promise.race([exit.then(() => true), sleep(5_000, undefined, { ref: false }).then(() => false)]);
  if (!stopped) {
    child.kill('SIGKILL');
    await exit;
  }
}
