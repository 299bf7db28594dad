import { html, type Html } from '../src/http/html.ts';
import { DEFAULT_LOCALE, type Locale } from '../src/i18n/locale.ts';

/** The frame of every sign-in page: no scripts, no external assets, one stylesheet from this origin. */
export function layout(title: string, body: Html, lang: Locale = DEFAULT_LOCALE): Html {
  return html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · Bridgekeeper</title>
<link rel="stylesheet" href="/static/style.css">
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
}

/** A field error tied to its input through aria-describedby. */
export function fieldError(id: string, message: string | undefined): Html {
  return message ? html`<p class="error" id="${id}-error" role="alert">${message}</p>` : html``;
}

export function describedBy(id: string, message: string | undefined): Html {
  return message ? html` aria-invalid="true" aria-describedby="${id}-error"` : html``;
}
