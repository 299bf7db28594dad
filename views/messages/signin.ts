import { DEFAULT_LOCALE, type Locale } from '../../src/i18n/locale.ts';
import { createTranslator, type Translator } from '../../src/i18n/translate.ts';
import { signinEn, type SigninMessageId } from './signin.en.ts';
import { signinFr } from './signin.fr.ts';

export type { SigninMessageId };

const catalogs = { en: signinEn, fr: signinFr } as const;

/** The sign-in pages' messages in `locale` (English when none is given). */
export function signinText(locale: Locale = DEFAULT_LOCALE): Translator<SigninMessageId> {
  return createTranslator<SigninMessageId>(catalogs, locale);
}
