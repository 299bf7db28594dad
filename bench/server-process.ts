import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

/*
 * A server under test in its own process (Bridgekeeper's `node src/main.ts`, or the baseline), so that its CPU
 * and memory are measured apart from the load driver. Ready once its discovery document answers; stopped
 * with SIGTERM (the graceful shutdown), SIGKILL after a bound.
 */
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUTPUT_TAIL_CHARS = 8_000;

export interface ServerRunAs {
  nodeOptions: string[];
  /** A cgroup's `cgroup.procs`: the server starts inside that cgroup (bench/cgroup.ts). */
  cgroupProcsFile?: string;
}

export interface ServerProcess {
  url: string;
  pid: number;
  output(): string;
  signal(name: NodeJS.Signals): void;
  stop(): Promise<void>;
}

export async function startServerProcess(options: {
  name: string;
  args: string[];
  url: string;
  env: Record<string, string>;
  nodeOptions?: string[];
  timeoutMs?: number;
  /** The checkout it runs from: this one unless told (bench/compare.ts runs another beside it). */
  root?: string;
  /** How every server under test runs (`--server-node-options`, `--server-memory`). */
  runAs?: ServerRunAs;
}): Promise<ServerProcess> {
  const node = [process.execPath, ...(options.runAs?.nodeOptions ?? []), ...(options.nodeOptions ?? []), ...options.args];
  const procs = options.runAs?.cgroupProcsFile;
  // sh moves itself into the cgroup, then becomes node (same pid), so Node sees the limit from its start.
  const [command, ...args] = procs ? ['sh', '-c', 'echo $$ > "$1" && shift && exec "$@"', 'sh', procs, ...node] : node;
  const child = spawn(command!, args, {
    cwd: options.root ?? ROOT,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = once(child, 'exit');

  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${options.name} exited during start:\n${output}`);
    }
    if (await answers(`${options.url}/.well-known/openid-configuration`)) break;
    if (Date.now() > deadline) {
      await stop(child, exited);
      throw new Error(`${options.name} did not answer within the start timeout:\n${output}`);
    }
    await sleep(200);
  }
  return {
    url: options.url,
    pid: child.pid!,
    output: () => output,
    signal: (name) => child.kill(name),
    stop: () => stop(child, exited),
  };
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

async function stop(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const done = await Promise.race([exited.then(() => true), sleep(15_000, false, { ref: false })]);
  if (!done) {
    child.kill('SIGKILL');
    await exited;
  }
}
