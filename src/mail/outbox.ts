import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { newId as defaultNewId } from '../common/ids.ts';
import { MailDeliveryError, type Mailer, type MailMessage } from './port.ts';

export interface OutboxMessage extends MailMessage {
  id: string;
  /** ISO 8601. */
  createdAt: string;
}

/** The development outbox: a Mailer that keeps what it is given, and lets a person read it back. */
export interface Outbox extends Mailer {
  /** Newest first. */
  list(limit: number): Promise<OutboxMessage[]>;
  /** undefined for an unknown or malformed id. */
  get(id: string): Promise<OutboxMessage | undefined>;
}

// Ids are ULIDs (src/common/ids.ts): sorting file names sorts by time, and nothing else can name a file.
const ID = /^[0-9a-z]{26}$/;
const FILE = /^([0-9a-z]{26})\.json$/;

/*
 * - one JSON file per message in <dataDir>/outbox, so messages survive restarts and are easy to inspect
 * - written to a temporary name and renamed: a reader never sees half a message (rename is atomic on POSIX)
 * - ids come from the URL of the outbox page, so they are checked against the id pattern before they
 *   become part of a path
 */
export function createOutbox(deps: { dataDir: string; newId?: () => string; clock?: () => Date }): Outbox {
  const dir = join(deps.dataDir, 'outbox');
  const newId = deps.newId ?? defaultNewId;
  const clock = deps.clock ?? (() => new Date());

  async function read(id: string): Promise<OutboxMessage | undefined> {
    try {
      return JSON.parse(await readFile(join(dir, `${id}.json`), 'utf8')) as OutboxMessage;
    } catch (error) {
      // gone since it was listed, or not written by this code: skipped, not fatal to a development page
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || error instanceof SyntaxError) return undefined;
      throw error;
    }
  }

  return {
    async send(message: MailMessage): Promise<void> {
      const id = newId();
      const stored: OutboxMessage = {
        id, createdAt: clock().toISOString(),
        kind: message.kind, to: message.to, subject: message.subject, text: message.text, html: message.html,
      };
      const path = join(dir, `${id}.json`);
      const temporary = join(dir, `.${id}.${randomBytes(6).toString('hex')}.tmp`);
      try {
        await mkdir(dir, { recursive: true });
        await writeFile(temporary, JSON.stringify(stored, null, 2), { flag: 'wx', mode: 0o600 });
        await rename(temporary, path);
      } catch (error) {
        await rm(temporary, { force: true });
        throw new MailDeliveryError('unreachable', `outbox ${dir} cannot be written`, { cause: error });
      }
    },

    async list(limit: number): Promise<OutboxMessage[]> {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
      const ids = names.map((name) => FILE.exec(name)?.[1]).filter((id) => id !== undefined).sort().reverse();
      const messages = await Promise.all(ids.slice(0, limit).map(read));
      return messages.filter((message) => message !== undefined);
    },

    async get(id: string): Promise<OutboxMessage | undefined> {
      return ID.test(id) ? read(id) : undefined;
    },
  };
}
