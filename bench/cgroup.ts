import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
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
  let created = false;
  try {
    // v2 hands the memory controller to child cgroups only where the parent enables it (the root may).
    const subtree = join(ROOT, 'cgroup.subtree_control');
    if (v2 && !readFileSync(subtree, 'utf8').split(/\s+/).includes('memory')) writeFileSync(subtree, '+memory');
    mkdirSync(dir);
    created = true;
    writeFileSync(join(dir, v2 ? 'memory.max' : 'memory.limit_in_bytes'), bytes);
    // No swap beyond the limit, as in a Kubernetes pod (v2; v1 has memsw only where swap accounting is on).
    if (v2) writeFileSync(join(dir, 'memory.swap.max'), '0');
  } catch (error) {
    if (created) rmdirSync(dir);
    throw new Error(`--server-memory needs root and a writable memory cgroup at ${dir} (inside a container, usually not): ${(error as Error).message}`, { cause: error });
  }
  return {
    limitMiB,
    procsFile: join(dir, 'cgroup.procs'),
    /** Removes the cgroup once its servers have stopped; says so when one still holds it. */
    remove() {
      try {
        rmdirSync(dir);
      } catch (error) {
        console.error(`could not remove the memory cgroup ${dir} (rmdir it by hand): ${(error as Error).message}`);
      }
    },
  };
}
