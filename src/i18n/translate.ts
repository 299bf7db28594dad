import { escapeHtml, Html } from '../http/html.ts';
import type { Locale } from './locale.ts';

/*
 * Messages by stable id: pages and tests name a message by its id, each locale's catalog gives its text.
 * A catalog is typed by the English one's ids, so a missing translation is a compile error, not a blank.
 * `{name}` placeholders take parameters; `rich` renders one as markup (a <strong> around an email) while the
 * message text itself stays escaped.
 */
export type Messages<Id extends string> = Readonly<Record<Id, string>>;
export type Params = Readonly<Record<string, string | number>>;

export interface Translator<Id extends string> {
  (id: Id, params?: Params): string;
  readonly locale: Locale;
  /** The message as Html: its text escaped, Html parameters inserted as they are. */
  rich(id: Id, params: Readonly<Record<string, Html | string | number>>): Html;
  /** Whether `id` names a message (for ids that arrive in a request, such as a notice after a redirect). */
  has(id: string): id is Id;
}

const PLACEHOLDER = /\{(\w+)\}/g;

export function createTranslator<Id extends string>(catalogs: Readonly<Record<Locale, Messages<Id>>>, locale: Locale): Translator<Id> {
  const messages = catalogs[locale];
  const translate = (id: Id, params: Params = {}) =>
    messages[id].replace(PLACEHOLDER, (whole, name: string) => (name in params ? String(params[name]) : whole));
  const rich = (id: Id, params: Readonly<Record<string, Html | string | number>>) => {
    const parts = messages[id].split(PLACEHOLDER);
    // split() with a capture group alternates text and placeholder names.
    return new Html(parts.map((part, i) => {
      if (i % 2 === 0) return escapeHtml(part);
      const value = params[part];
      if (value === undefined) return escapeHtml(`{${part}}`);
      return value instanceof Html ? value.value : escapeHtml(String(value));
    }).join(''));
  };
  return Object.assign(translate, { locale, rich, has: (id: string): id is Id => Object.hasOwn(messages, id) });
}
