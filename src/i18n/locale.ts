import type { Context } from 'koa';

/*
 * The languages pages are offered in. The first is the default: a browser that asks for none of them (or
 * sends no Accept-Language) gets English. Negotiation follows the header's q-values (RFC 9110 12.5.4), and
 * a region subtag falls back to its language (`fr-CA` gets `fr`).
 */
export const LOCALES = ['en', 'fr'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';

export function negotiateLocale(acceptLanguage: string | undefined): Locale {
  const wanted = (acceptLanguage ?? '').split(',')
    .map((entry, index) => {
      const [tag = '', ...params] = entry.trim().toLowerCase().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { language: tag.trim().split('-')[0]!, q: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => entry.language && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { language } of wanted) {
    const match = LOCALES.find((locale) => locale === language);
    if (match) return match;
    if (language === '*') return DEFAULT_LOCALE;
  }
  return DEFAULT_LOCALE;
}

/** The locale of a request, from its Accept-Language header. */
export function localeOf(ctx: Pick<Context, 'get'>): Locale {
  return negotiateLocale(ctx.get('accept-language'));
}
