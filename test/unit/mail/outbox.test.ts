import { once } from 'node:events';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Koa from 'koa';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIdGenerator } from '../../../src/common/ids.ts';
import { errorHandler } from '../../../src/http/errors.ts';
import { createMailer } from '../../../src/mail/index.ts';
import { createOutbox, type OutboxMessage } from '../../../src/mail/outbox.ts';
import { createOutboxRouter } from '../../../src/mail/outbox-router.ts';
import type { MailMessage } from '../../../src/mail/port.ts';
import { outboxListPage, outboxMessagePage } from '../../../views/mail/outbox.ts';

const HOSTILE: MailMessage = {
  to: 'ada@customer.example',
  kind: 'invitation',
  subject: '<script>alert("subject")</script> & more',
  text: 'Text with <b>markup</b> & </pre><script>alert("text")</script>',
  html: '<p style="color:red" onclick="alert(1)">Hello</p><script>alert("html")</script><a href="https://login.example.com/x?a=1&b=2">go</a>',
};

function message(subject: string): MailMessage {
  return { to: 'ada@customer.example', kind: 'one-time-code', subject, text: `text of ${subject}`, html: `<p>${subject}</p>` };
}

describe('development outbox', () => {
  let dataDir: string;
  let time: number;
  // A clock the test moves: ids and createdAt follow it, so "newest" is unambiguous.
  const clock = () => time;
  const outboxAt = (dir: string) => createOutbox({ dataDir: dir, newId: createIdGenerator(clock), clock: () => new Date(clock()) });

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'bk-outbox-'));
    time = Date.parse('2026-05-04T09:30:00Z');
  });
  afterEach(async () => { await rm(dataDir, { recursive: true, force: true }); });

  it('keeps messages across a new outbox on the same directory', async () => {
    await outboxAt(dataDir).send(HOSTILE);

    const reopened = createOutbox({ dataDir });
    const [listed] = await reopened.list(10);
    expect(listed).toEqual({ ...HOSTILE, id: expect.stringMatching(/^[0-9a-z]{26}$/), createdAt: '2026-05-04T09:30:00.000Z' });
    expect(await reopened.get(listed!.id)).toEqual(listed);
  });

  it('lists newest first, up to the limit', async () => {
    const outbox = outboxAt(dataDir);
    for (const subject of ['first', 'second', 'third']) {
      await outbox.send(message(subject));
      time += 1_000;
    }
    expect((await outbox.list(10)).map((m) => m.subject)).toEqual(['third', 'second', 'first']);
    expect((await outbox.list(2)).map((m) => m.subject)).toEqual(['third', 'second']);
    expect(await createOutbox({ dataDir }).list(1)).toMatchObject([{ subject: 'third', createdAt: '2026-05-04T09:30:02.000Z' }]);
  });

  it('writes each message by rename: only finished JSON files are left behind', async () => {
    const outbox = outboxAt(dataDir);
    await Promise.all(['a', 'b', 'c', 'd'].map((subject) => outbox.send(message(subject))));
    const names = await readdir(join(dataDir, 'outbox'));
    expect(names).toHaveLength(4);
    for (const name of names) expect(name).toMatch(/^[0-9a-z]{26}\.json$/);
  });

  it('is empty before the first message, and answers unknown or malformed ids with nothing', async () => {
    const outbox = outboxAt(dataDir);
    expect(await outbox.list(10)).toEqual([]);
    await outbox.send(message('only'));
    await writeFile(join(dataDir, 'secret.json'), '{"subject":"not a message"}');
    for (const id of ['../secret', '..%2Fsecret', '', 'ZZZZZZZZZZZZZZZZZZZZZZZZZZ', '0'.repeat(26)]) {
      expect(await outbox.get(id)).toBeUndefined();
    }
    expect(await outbox.list(10)).toHaveLength(1);
  });

  it('is what createMailer picks when no SMTP host is configured', async () => {
    const mail = createMailer({
      from: 'Bridgekeeper <no-reply@localhost>',
      smtp: { host: '', port: 587, secure: false, startTls: 'required', user: '', password: '', timeoutMs: 10_000 },
    }, dataDir);
    await mail.mailer.send(message('via createMailer'));
    expect(mail.outbox).toBeDefined();
    expect((await mail.outbox!.list(1)).map((m) => m.subject)).toEqual(['via createMailer']);
    expect(await readdir(join(dataDir, 'outbox'))).toHaveLength(1);
    await mail.close();
  });

  it('skips files it did not write', async () => {
    const outbox = outboxAt(dataDir);
    await outbox.send(message('real'));
    await writeFile(join(dataDir, 'outbox', `${'1'.repeat(26)}.json`), 'not json');
    await writeFile(join(dataDir, 'outbox', 'notes.txt'), 'hello');
    expect((await outbox.list(10)).map((m) => m.subject)).toEqual(['real']);
  });
});

describe('outbox pages', () => {
  const stored: OutboxMessage = { ...HOSTILE, id: '01jtbq3v0g0000000000000000', createdAt: '2026-05-04T09:30:00.000Z' };

  it('escape the subject, recipient and text', () => {
    for (const page of [outboxListPage([stored]).value, outboxMessagePage(stored).value]) {
      expect(page).not.toMatch(/<script/i);
      expect(page).toContain('&lt;script&gt;alert(&quot;subject&quot;)&lt;/script&gt; &amp; more');
    }
    expect(outboxMessagePage(stored).value).toContain('Text with &lt;b&gt;markup&lt;/b&gt; &amp; &lt;/pre&gt;&lt;script&gt;');
  });

  it('show the HTML part only inside a sandboxed srcdoc iframe', () => {
    const page = outboxMessagePage(stored).value;
    const iframes = page.match(/<iframe\b[^>]*>/g) ?? [];
    expect(iframes).toHaveLength(1);
    expect(iframes[0]).toContain('sandbox=""');
    expect(iframes[0]).not.toMatch(/allow-/);
    // the whole message is one attribute value: every quote and bracket escaped, so nothing leaks out of it
    expect(iframes[0]).toContain('srcdoc="&lt;p style=&quot;color:red&quot; onclick=&quot;alert(1)&quot;&gt;Hello&lt;/p&gt;&lt;script&gt;');
    expect(iframes[0]).toContain('href=&quot;https://login.example.com/x?a=1&amp;b=2&quot;');
  });

  describe('served by the router', () => {
    let dataDir: string;
    let server: Server;
    let base: string;

    beforeEach(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'bk-outbox-'));
      const outbox = createOutbox({ dataDir });
      await outbox.send(HOSTILE);
      const app = new Koa();
      app.silent = true;
      app.use(errorHandler(pino({ level: 'silent' })));
      app.use(createOutboxRouter({ outbox }).routes());
      server = app.listen(0, '127.0.0.1');
      await once(server, 'listening');
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterEach(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dataDir, { recursive: true, force: true });
    });

    it('lists messages with links to each, and shows one without running anything', async () => {
      const list = await fetch(`${base}/dev/outbox`, { headers: { accept: 'text/html' } });
      expect(list.status).toBe(200);
      expect(list.headers.get('cache-control')).toBe('no-store');
      expect(list.headers.get('content-security-policy')).toContain("default-src 'none'");
      const body = await list.text();
      expect(body).not.toMatch(/<script/i);
      const link = /href="(\/dev\/outbox\/[0-9a-z]{26})"/.exec(body)?.[1];
      expect(link).toBeDefined();

      const one = await fetch(`${base}${link}`, { headers: { accept: 'text/html' } });
      expect(one.status).toBe(200);
      const csp = one.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/script-src|unsafe-eval/);
      const page = await one.text();
      expect(page).not.toMatch(/<script/i);
      expect(page).toContain('ada@customer.example');
    });

    it('answers 404 for unknown and malformed ids', async () => {
      for (const path of [`/dev/outbox/${'0'.repeat(26)}`, '/dev/outbox/..%2F..%2Fetc%2Fpasswd', '/dev/outbox/%3Cscript%3E']) {
        const response = await fetch(`${base}${path}`, { headers: { accept: 'text/html' } });
        expect(response.status).toBe(404);
        expect(await response.text()).not.toMatch(/<script/i);
      }
    });
  });
});
