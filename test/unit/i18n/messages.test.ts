import { describe, expect, it } from 'vitest';
import { html } from '../../../src/http/html.ts';
import { negotiateLocale } from '../../../src/i18n/locale.ts';
import { consoleText } from '../../../views/console/text.ts';
import { consoleEn } from '../../../views/messages/console.en.ts';
import { consoleFr } from '../../../views/messages/console.fr.ts';
import { signinEn } from '../../../views/messages/signin.en.ts';
import { signinFr } from '../../../views/messages/signin.fr.ts';
import { signinText } from '../../../views/messages/signin.ts';
import { emailPage, otpPage } from '../../../views/signin.ts';

describe('locale negotiation', () => {
  it.each([
    [undefined, 'en'], ['', 'en'], ['fr', 'fr'], ['fr-CA,fr;q=0.9', 'fr'], ['de-DE,fr;q=0.8,en;q=0.5', 'fr'],
    ['en;q=0.4,fr;q=0.9', 'fr'], ['fr;q=0,en', 'en'], ['de, *;q=0.1', 'en'], ['EN-gb', 'en'], ['garbage;;q=x', 'en'],
  ])('%s -> %s', (header, locale) => {
    expect(negotiateLocale(header)).toBe(locale);
  });
});

describe('message catalogs', () => {
  it('translate every id, with the same placeholders', () => {
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [en, fr] of [[signinEn, signinFr], [consoleEn, consoleFr]] as const) {
      expect(Object.keys(fr).sort()).toEqual(Object.keys(en).sort());
      for (const [id, text] of Object.entries(en)) expect(placeholders((fr as Record<string, string>)[id]!), id).toEqual(placeholders(text));
    }
  });

  it('fill parameters and escape them, and know their ids', () => {
    const t = consoleText('fr');
    expect(t('org.limits.users', { used: 3, max: 5 })).toBe('Utilisateurs : 3 sur 5');
    expect(t.rich('console.signedInAs', { who: html`<b>${'<Ida>'}</b>` }).value).toBe('Connecté en tant que <b>&lt;Ida&gt;</b>');
    expect(t.has('member.saved')).toBe(true);
    expect(t.has('constructor')).toBe(false);
    expect(signinText()('signin.heading', { client: 'App' })).toBe('Sign in to App');
  });

  it('render the sign-in pages in the locale they are given', () => {
    const form = { action: '/a', csrf: 'c', clientName: 'Acme <App>' };
    const french = emailPage({ ...form, locale: 'fr' }).value;
    expect(french).toContain('<html lang="fr">');
    expect(french).toContain('Se connecter à Acme &lt;App&gt;');
    expect(french).toContain('<label for="email">Adresse e-mail</label>');
    expect(otpPage({ ...form, email: 'a@b.test', resend: '/r', restart: '/s', locale: 'fr' }).value)
      .toContain('Nous avons envoyé un code à 6 chiffres à <strong>a@b.test</strong>.');
    expect(emailPage(form).value).toContain('<html lang="en">');
  });
});
