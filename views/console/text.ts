import { DEFAULT_LOCALE, type Locale } from '../../src/i18n/locale.ts';
import { createTranslator, type Translator } from '../../src/i18n/translate.ts';
import { consoleEn, type ConsoleMessageId } from '../messages/console.en.ts';
import { consoleFr } from '../messages/console.fr.ts';

export type { ConsoleMessageId };
export type ConsoleText = Translator<ConsoleMessageId>;

const catalogs = { en: consoleEn, fr: consoleFr } as const;

/** The console's messages in `locale`. */
export function consoleText(locale: Locale = DEFAULT_LOCALE): ConsoleText {
  return createTranslator<ConsoleMessageId>(catalogs, locale);
}
