import { Browser, type Page, type SendInit } from '../../test/support/browser.ts';
import { send } from './http-client.ts';

/*
 * The test suite's minimal browser (cookie jar, manual redirects, form submission), timing every request it
 * makes under a route template (`POST /interaction/:uid/password`), so the report can say which hop of a
 * sign-in takes the time. Each sign-in comes from its own client address, as through a load balancer
 * (X-Forwarded-For, with server.trustProxy): per-address limits then see many users, not one.
 */
export class StepTimes {
  recording = false;
  readonly byStep = new Map<string, number[]>();
  /**
   * Set while one virtual user runs alone: the server's event-loop CPU (ns) so far. Each step on the server then
   * also records what the server's event loop spent between its start and its end, which is that step's cost,
   * as nothing else asks the server anything meanwhile.
   */
  serverCpuNs: (() => number) | undefined;
  readonly serverCpuByStep = new Map<string, number[]>();
  /** With serverCpuNs: each server step's span on the monotonic clock (µs), V8's profiles' clock too. */
  readonly spans: { step: string; startUs: number; endUs: number }[] = [];

  /** Runs one step of a flow and records its wall time (and the server's CPU, see serverCpuNs) under `step`. */
  async time<T>(step: string, work: () => Promise<T>, onServer = true): Promise<T> {
    const serverCpu = onServer && this.recording ? this.serverCpuNs : undefined;
    const cpuBefore = serverCpu?.();
    const startUs = serverCpu ? monotonicUs() : 0;
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.record(step, performance.now() - started);
      if (serverCpu && cpuBefore !== undefined) {
        this.recordIn(this.serverCpuByStep, step, (serverCpu() - cpuBefore) / 1e6);
        this.spans.push({ step, startUs, endUs: monotonicUs() });
      }
    }
  }

  record(step: string, ms: number): void {
    this.recordIn(this.byStep, step, ms);
  }

  reset(): void {
    this.byStep.clear();
    this.serverCpuByStep.clear();
    this.spans.length = 0;
  }

  private recordIn(map: Map<string, number[]>, step: string, value: number): void {
    if (!this.recording) return;
    let list = map.get(step);
    if (!list) map.set(step, (list = []));
    list.push(value);
  }
}

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

export class TimedBrowser extends Browser {
  private readonly times: StepTimes;
  /** Origin -> name, for hops to an upstream provider (`Google stand-in: GET /auth`). */
  private readonly upstreams: ReadonlyMap<string, string>;

  constructor(times: StepTimes, clientAddress?: string, upstreams: Record<string, string> = {}) {
    super();
    this.times = times;
    this.upstreams = new Map(Object.entries(upstreams).map(([url, name]) => [new URL(url).origin, name]));
    if (clientAddress) this.route = (url) => ({ url, headers: { 'x-forwarded-for': clientAddress } });
  }

  override async request(url: string, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Page> {
    const upstream = this.upstreams.get(new URL(url).origin);
    const step = `${init.method ?? (init.form ? 'POST' : 'GET')} ${routeTemplate(url)}`;
    return this.times.time(upstream ? `${upstream}: ${step}` : step, () => super.request(url, init), !upstream);
  }

  protected override send(url: string, init: SendInit): Promise<Omit<Page, 'url'>> {
    return send(url, init);
  }
}

export function routeTemplate(url: string): string {
  return new URL(url).pathname
    .replace(/^\/interaction\/[^/]+/, '/interaction/:uid')
    .replace(/^\/auth\/[^/]+/, '/auth/:uid')
    .replace(/^\/saml\/[^/]+/, '/saml/:connection');
}

/** A distinct IPv4 client address per sign-in (10.0.0.0/8 has room for 16 million). */
export function clientAddress(n: number): string {
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}
