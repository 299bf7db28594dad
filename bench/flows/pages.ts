import { isPage, type Page } from '../../test/support/browser.ts';

/* What each hop of a flow must have answered; anything else fails the sign-in with the page's first lines. */

export function expectPage(result: Page | { redirectedTo: string }, marker: string): Page {
  if (!isPage(result)) throw new Error(`expected a page containing ${marker}, was sent to ${result.redirectedTo.slice(0, 120)}`);
  if (result.status !== 200 || !result.body.includes(marker)) {
    throw new Error(`expected a page containing ${marker}, got ${result.status} ${result.url}: ${summary(result.body)}`);
  }
  return result;
}

export function expectRedirect(result: Page | { redirectedTo: string }): string {
  if (isPage(result)) throw new Error(`sign-in did not come back: ${result.status} ${result.url}: ${summary(result.body)}`);
  return result.redirectedTo;
}

function summary(body: string): string {
  const text = body.replace(/<style[\s\S]*?<\/style>/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
  return text.slice(0, 300);
}
