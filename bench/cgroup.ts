import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * A memory cgroup for the servers under test (`--server-memory`): what a container's memory limit does to
 * them, on this machine. Node reads the limit at start-up and sizes V8's heap from it, young generation
 * included, so a server started inside one runs as it would in a container with that limit. cgroup v2
 * (`memory.max`) or v1 (`memory.limit_in_bytes`); creating one needs root.
 */
export interface MemoryCgroup {
  limitMiB: number;
  /** Write a pid here to move that process into the cgroup. */
  procsFile: string;
  remove(): void;
}

const ROOT = '/sys/fs/cgroup';

export function createMemoryCgroup(limitMiB: number): MemoryCgroup {
  const name = `bridgekeeper-bench-${process.pid}`;
  const bytes = String(limitMiB * 1024 * 1024);
  const v2 = existsSync(join(ROOT, 'cgroup.controllers'));
  const dir = v2 ? join(ROOT, name) : join(ROOT, 'memory', name);
  try {
    if (v2) writeFileSync(join(ROOT, 'cgroup.subtree_control'), '+memory');
    mkdirSync(dir);
    writeFileSync(join(dir, v2 ? 'memory.max' : 'memory.limit_in_bytes'), bytes);
  } catch (error) {
    if (existsSync(dir)) rmdirSync(dir);
    throw new Error(`--server-memory needs root and a writable memory cgroup at ${dir}: ${(error as Error).message}`, { cause: error });
  }
  return {
    limitMiB,
    procsFile: join(dir, 'cgroup.procs'),
    remove() {
      try {
        rmdirSync(dir);
      } catch {
        // a process outlived its stop and still holds it: it stays until removed by hand (rmdir)
      }
    },
  };
}
