import { html, type Html } from '../../src/http/html.ts';
import { ATTRIBUTE_PRESET_NAMES } from '../../src/federation/saml/attribute-presets.ts';
import type { DryRunResult } from '../../src/admin/console/mapping-dry-run.ts';
import { checkbox, csrfField, errorSummary, select, textArea, textField, type FieldErrors } from './fields.ts';
import { consolePage, type ConsoleView } from './frame.ts';

export interface RuleRow {
  attribute: string;
  equals: string;
  ignoreCase: boolean;
  groups: string;
  roles: string;
}

export interface MappingDraft {
  preset: string;
  groupsAttribute: string;
  rows: RuleRow[];
  sample: string;
}

export interface MappingPage {
  connection: { id: string; name: string };
  draft: MappingDraft;
  errors?: FieldErrors;
  general?: string;
  result?: DryRunResult;
}

const PRESET_LABELS: Record<string, string> = { generic: 'Generic', okta: 'Okta', entra: 'Microsoft Entra ID', google: 'Google Workspace', adfs: 'AD FS' };

function ruleRow(view: ConsoleView, row: RuleRow, i: number, errors: FieldErrors): Html {
  const { t } = view;
  return html`<fieldset class="rule"><legend>${t('mapping.rule', { n: i + 1 })}</legend>
${textField({ id: `attribute-${i}`, label: t('mapping.attribute'), value: row.attribute, error: errors[`attribute-${i}`] })}
${textField({ id: `equals-${i}`, label: t('mapping.equals'), value: row.equals, error: errors[`equals-${i}`] })}
${checkbox({ id: `ignoreCase-${i}`, label: t('mapping.ignoreCase'), checked: row.ignoreCase })}
${textField({ id: `groups-${i}`, label: t('mapping.groups'), value: row.groups, error: errors[`groups-${i}`] })}
${textField({ id: `roles-${i}`, label: t('mapping.roles'), value: row.roles, error: errors[`roles-${i}`] })}
</fieldset>`;
}

function result(view: ConsoleView, outcome: DryRunResult): Html {
  const { t } = view;
  const list = (items: readonly string[]) => (items.length > 0 ? items.join(', ') : t('console.none'));
  return html`<section class="record" aria-labelledby="result-heading" role="status"><h3 id="result-heading">${t('mapping.result')}</h3>
<dl id="dry-run-result">
<dt>${t('mapping.result.email')}</dt><dd>${outcome.identity.email ?? '—'}</dd>
<dt>${t('mapping.result.idpGroups')}</dt><dd>${list(outcome.identity.groups)}</dd>
<dt>${t('mapping.result.groups')}</dt><dd>${list(outcome.access.groups)}</dd>
<dt>${t('mapping.result.roles')}</dt><dd>${list(outcome.access.roles.map((b) => b.role))}</dd>
<dt>${t('mapping.result.managed')}</dt><dd>${list([...outcome.access.managedGroups, ...outcome.access.managedRoles])}</dd>
</dl></section>`;
}

/* The mapping rules editor: rows of attribute / equals / groups / roles; "add a rule" and a dry run need no script. */
export function mappingPage(view: ConsoleView, page: MappingPage): Html {
  const { t } = view;
  const errors = page.errors ?? {};
  const { draft } = page;
  return consolePage(view, 'connections', t('mapping.title', { name: page.connection.name }), html`
<p>${t('mapping.intro')}</p>
${errorSummary(t, errors, page.general)}
<form method="post" action="/console/connections/${page.connection.id}/mapping" novalidate>
${csrfField(view.csrf)}
<input type="hidden" name="rows" value="${draft.rows.length}">
${select({ id: 'preset', label: t('mapping.preset'), value: draft.preset, options: ATTRIBUTE_PRESET_NAMES.map((p) => ({ value: p, label: PRESET_LABELS[p] ?? p })) })}
${textField({ id: 'groupsAttribute', label: t('mapping.groupsAttribute'), value: draft.groupsAttribute, hint: t('mapping.groupsAttributeHint'), error: errors.groupsAttribute })}
${draft.rows.map((row, i) => ruleRow(view, row, i, errors))}
<div class="actions"><button type="submit" name="action" value="add" class="secondary">${t('mapping.addRow')}</button>
<button type="submit" name="action" value="save" class="primary">${t('mapping.save')}</button></div>
<h2>${t('mapping.dryRun')}</h2>
${textArea({ id: 'sample', label: t('mapping.sample'), value: draft.sample, hint: t('mapping.dryRunHint'), error: errors.sample, rows: 5 })}
<button type="submit" name="action" value="dry-run" class="secondary">${t('mapping.dryRunSubmit')}</button>
</form>
${page.result ? result(view, page.result) : html``}
<p><a href="/console/connections/${page.connection.id}">${page.connection.name}</a></p>`);
}
