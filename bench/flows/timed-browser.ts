import { Browser, type Page } from '../../test/support/browser.ts';

/*
 * The test suite's minimal browser (cookie jar, manual redirects, form submission), timing every request it
 * makes under a route template (`POST /interaction/:uid/password`), so the report can say which hop of a
 * sign-in takes the time. Each sign-in comes from its own client address, as through a load balancer
 * (X-Forwarded-For, with server.trustProxy): per-address limits then see many users, not one.
 */
export class StepTimes {
  recording = false;
  readonly byStep = new Map<string, number[]>();

  record(step: string, ms: number): void {
    if (!this.recording) return;
    let list = this.byStep.get(step);
    if (!list) this.byStep.set(step, (list = []));
    list.push(ms);
  }

  reset(): void {
    this.byStep.clear();
  }
}

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
    const started = performance.now();
    try {
      return await super.request(url, init);
    } finally {
      const upstream = this.upstreams.get(new URL(url).origin);
      const step = `${init.method ?? (init.form ? 'POST' : 'GET')} ${routeTemplate(url)}`;
      this.times.record(upstream ? `${upstream}: ${step}` : step, performance.now() - started);
    }
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
