import { CookieJar } from 'tough-cookie';

export interface Page {
  status: number;
  url: string;
  headers: Headers;
  body: string;
}

export interface SendInit {
  method: string;
  headers: Headers;
  body?: string | undefined;
}

/*
 * A minimal browser for protocol tests: keeps cookies (with their paths and flags, via tough-cookie), follows
 * redirects itself so each hop can be inspected, and submits the forms it finds in pages.
 */
export class Browser {
  readonly jar = new CookieJar();
  /** Every URL visited, redirects included (as addressed, before any rewrite). */
  readonly history: string[] = [];
  /**
   * Where a request is really sent, with any headers a proxy would add: lets a test play the load balancer
   * in front of several instances of one deployment.
   */
  route: (url: string) => { url: string; headers?: Record<string, string> } = (url) => ({ url });

  async request(url: string, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Page> {
    this.history.push(url);
    const headers = new Headers(init.headers);
    headers.set('accept', 'text/html');
    const cookie = await this.jar.getCookieString(url);
    if (cookie) headers.set('cookie', cookie);
    let body: string | undefined;
    if (init.form) {
      headers.set('content-type', 'application/x-www-form-urlencoded');
      body = new URLSearchParams(init.form).toString();
    }
    const routed = this.route(url);
    for (const [name, value] of Object.entries(routed.headers ?? {})) headers.set(name, value);
    const response = await this.send(routed.url, { method: init.method ?? (init.form ? 'POST' : 'GET'), headers, body });
    for (const setCookie of response.headers.getSetCookie()) await this.jar.setCookie(setCookie, url);
    return { ...response, url };
  }

  /** One HTTP exchange, redirects not followed: fetch here; a load driver may bring a cheaper client. */
  protected async send(url: string, init: SendInit): Promise<Omit<Page, 'url'>> {
    const response = await fetch(url, { ...init, redirect: 'manual' });
    return { status: response.status, headers: response.headers, body: await response.text() };
  }

  /**
   * Follows redirects from `page` until a response is not a redirect, or until the redirect leaves for
   * `stopAt` (the relying app's callback), which is returned unvisited.
   */
  async follow(page: Page, stopAt?: string): Promise<Page | { redirectedTo: string }> {
    let current = page;
    for (let hops = 0; hops < 20; hops++) {
      const location = current.headers.get('location');
      if (current.status < 300 || current.status >= 400 || !location) return current;
      const next = new URL(location, current.url).href;
      if (stopAt && next.startsWith(stopAt)) return { redirectedTo: next };
      current = await this.request(next);
    }
    throw new Error('too many redirects');
  }

  async open(url: string, stopAt?: string): Promise<Page | { redirectedTo: string }> {
    return this.follow(await this.request(url), stopAt);
  }

  /** Submits the form whose action contains `actionPart`, with its hidden fields plus `fields`. */
  async submit(page: Page, actionPart: string, fields: Record<string, string> = {}, stopAt?: string): Promise<Page | { redirectedTo: string }> {
    const form = findForm(page.body, actionPart);
    const action = new URL(form.action, page.url);
    if (form.method === 'get') {
      for (const [name, value] of Object.entries({ ...form.fields, ...fields })) action.searchParams.set(name, value);
      return this.follow(await this.request(action.href), stopAt);
    }
    return this.follow(await this.request(action.href, { form: { ...form.fields, ...fields } }), stopAt);
  }
}

export function findForm(body: string, actionPart: string): { action: string; method: string; fields: Record<string, string> } {
  const forms = [...body.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)];
  for (const [, attributes, inner] of forms) {
    const action = /action="([^"]*)"/.exec(attributes!)?.[1];
    if (action === undefined || !decode(action).includes(actionPart)) continue;
    const fields: Record<string, string> = {};
    for (const [, input] of inner!.matchAll(/<input\b([^>]*)>/g)) {
      const name = /name="([^"]*)"/.exec(input!)?.[1];
      const type = /type="([^"]*)"/.exec(input!)?.[1];
      if (name && type === 'hidden') fields[decode(name)] = decode(/value="([^"]*)"/.exec(input!)?.[1] ?? '');
    }
    const method = (/method="([^"]*)"/.exec(attributes!)?.[1] ?? 'get').toLowerCase();
    return { action: decode(action), method, fields };
  }
  throw new Error(`no form with action containing ${actionPart} in:\n${body.slice(0, 2000)}`);
}

function decode(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export function isPage(result: Page | { redirectedTo: string }): result is Page {
  return 'status' in result;
}
