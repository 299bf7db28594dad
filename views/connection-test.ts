import { html, type Html } from '../src/http/html.ts';
import { layout } from './layout.ts';

/* What a test sign-in through a connection produced: for the admin trying it before enabling it. */
export function connectionTestPage(info: {
  connection: string;
  identity: { subject: string; email?: string; name?: string; groups: readonly string[]; attributes: Record<string, readonly string[]>; amr: readonly string[] };
  mapped: { groups: string[]; unknownGroups: string[]; roles: string[] };
}): Html {
  const { identity, mapped } = info;
  const row = (label: string, value: string) => html`<tr><th scope="row">${label}</th><td>${value}</td></tr>`;
  return layout('Test sign-in', html`
<h1>Test sign-in: ${info.connection}</h1>
<p role="status">The identity provider's response passed every check. No one was signed in and nothing was changed.</p>
<h2>Identity</h2>
<table>
${row('Subject (NameID)', identity.subject)}
${row('Email', identity.email ?? '(none)')}
${row('Name', identity.name ?? '(none)')}
${row('IdP groups', identity.groups.join(', ') || '(none)')}
${row('Authentication methods', identity.amr.join(', ') || '(not stated)')}
</table>
<h2>Attributes</h2>
<table>${Object.entries(identity.attributes).map(([name, values]) => row(name, values.join(', ')))}</table>
<h2>What the mapping rules give</h2>
<table>
${row('Groups', mapped.groups.join(', ') || '(none)')}
${row('Roles', mapped.roles.join(', ') || '(none)')}
${mapped.unknownGroups.length > 0 ? row('Groups named by rules but missing in the organization', mapped.unknownGroups.join(', ')) : html``}
</table>`);
}
