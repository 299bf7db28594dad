import { readFileSync, readdirSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';

/*
 * What a process costs, read from Linux's /proc the way `top` does, so the figures of a child process are its
 * own and not the load driver's:
 * - CPU: utime + stime of /proc/<pid>/stat (fields 14 and 15, every thread included), in clock ticks; the same
 *   per thread from /proc/<pid>/task, grouped by the names Node gives its threads
 * - memory: VmRSS of /proc/<pid>/status, sampled while a scenario runs (its maximum is what is reported)
 */

/** USER_HZ: 100 on every Linux architecture Node supports (sysconf(_SC_CLK_TCK) is not exposed to Node). */
const TICKS_PER_SECOND = 100;

/** CPU time (user + system, ms) the process has used since it started. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces and parentheses: count fields from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / TICKS_PER_SECOND;
}

/** The server's threads, by what runs on them (Node names its threads): JavaScript, V8's helpers, libuv's pool. */
export interface ThreadCpu {
  /** The event loop: JavaScript, and the I/O it does itself. */
  main: number;
  /** V8's helper threads: concurrent garbage collection and compilation. */
  v8: number;
  /** libuv's thread pool: argon2id (@node-rs/argon2), zlib, file system and DNS work. */
  pool: number;
  other: number;
}

/** CPU time (user + system, ms) per group of the process's live threads, from /proc/<pid>/task/<tid>/stat. */
export function threadCpuMs(pid: number): ThreadCpu {
  const groups: ThreadCpu = { main: 0, v8: 0, pool: 0, other: 0 };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
    const group: keyof ThreadCpu = tid === String(pid) ? 'main' : name.startsWith('V8Worker') ? 'v8' : name.startsWith('libuv-worker') ? 'pool' : 'other';
    groups[group] += ms;
  }
  return groups;
}

/**
 * CPU time (ns) the process's main thread, the event loop, has run, from /proc/<pid>/task/<pid>/schedstat: the
 * scheduler's own nanosecond count, fine enough to time one request, where the clock ticks of /stat are 10 ms.
 */
export function eventLoopCpuNs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]);
}

/**
 * Read and write system calls the process has made (`/proc/<pid>/io`: syscr, syscw), all threads: for a server,
 * nearly all of them socket reads and writes, so the messages it exchanges with clients, Redis and the database.
 */
export function syscalls(pid: number): { reads: number; writes: number } {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)`, 'm').exec(io)?.[1] ?? Number.NaN);
  return { reads: field('syscr'), writes: field('syscw') };
}

/** Resident set size in bytes, or undefined when the process is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `intervalMs` until stopped; returns the maximum seen. */
export function sampleRss(pid: number, intervalMs = 200): { stop(): number } {
  let max = rssBytes(pid) ?? 0;
  const timer = setInterval(() => {
    max = Math.max(max, rssBytes(pid) ?? 0);
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(max, rssBytes(pid) ?? 0);
    },
  };
}

/** The pid of the process whose command line (NULs as spaces) `matches`, if any. */
export function findPid(matches: (commandLine: string) => boolean): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (matches(readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' '))) return Number(entry);
    } catch {
      // the process ended while the list was read
    }
  }
  return undefined;
}

export interface Machine {
  cpus: number;
  model: string;
  memoryGiB: number;
  kernel: string;
}

export function machine(): Machine {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  const kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  return { cpus: availableParallelism(), model, memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10, kernel };
}

/** CPU time (ms) every CPU of the machine has spent busy (not idle or iowait) since boot, from /proc/stat. */
export function machineBusyMs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  // cpu user nice system idle iowait irq softirq steal ...
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
  return (((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 1000) / TICKS_PER_SECOND;
}

/** The 1-minute load average. */
export function loadAverage(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}
