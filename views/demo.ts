import { html, type Html } from '../src/http/html.ts';
import { layout } from './layout.ts';

export function demoStartPage(): Html {
  return layout('Demo app', html`
<h1>Demo app</h1>
<p>A relying app built into development servers. Sign in to see the ID token Bridgekeeper issues.</p>
<p class="muted">Demo account: admin@demo.test (password in config/demo.yaml).</p>
<form method="get" action="/demo/login"><button type="submit">Sign in with Bridgekeeper</button></form>`);
}

export function demoResultPage(result: { claims?: Record<string, unknown>; error?: string }): Html {
  if (result.error) {
    return layout('Demo app', html`<h1>Sign-in failed</h1><p class="notice" role="alert">${result.error}</p>
<p><a href="/demo">Try again</a></p>`);
  }
  return layout('Demo app', html`<h1>Signed in</h1>
<p>The ID token's claims:</p>
<pre id="claims">${JSON.stringify(result.claims, null, 2)}</pre>
<p><a href="/demo">Start again</a></p>`);
}
