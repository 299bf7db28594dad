import type Router from '@koa/router';
import type { Context } from 'koa';
import { ValidationError } from '../../common/errors.ts';
import { sendPage } from '../../http/pages.ts';
import { mappingPage, type MappingDraft, type MappingPage, type RuleRow } from '../../../views/console/mapping.ts';
import type { ConnectionView, Connections } from '../connections/service.ts';
import { consoleRequest } from './context.ts';
import { dryRunMapping, readSample } from './mapping-dry-run.ts';
import { field, formErrors, splitList, type FormBody } from './form.ts';
import { redirectWithNotice } from './respond.ts';

const MAX_ROWS = 50;
const BLANK: RuleRow = { attribute: '', equals: '', ignoreCase: false, groups: '', roles: '' };

interface StoredRule {
  attribute?: string;
  equals?: string;
  match?: string;
  groups?: string[];
  roles?: { role: string }[];
}

function draftFromConnection(connection: ConnectionView): MappingDraft {
  const mapping = connection.mapping as { preset?: string; attributes?: { groups?: string | string[] }; rules?: StoredRule[] };
  const groups = mapping.attributes?.groups;
  const rows = (mapping.rules ?? []).map((rule) => ({
    attribute: rule.attribute ?? '', equals: rule.equals ?? '', ignoreCase: rule.match === 'ignore-case',
    groups: (rule.groups ?? []).join(', '), roles: (rule.roles ?? []).map((b) => b.role).join(', '),
  }));
  return { preset: mapping.preset ?? 'generic', groupsAttribute: Array.isArray(groups) ? groups.join(', ') : groups ?? '', rows: [...rows, BLANK], sample: '' };
}

function draftFromForm(body: FormBody): MappingDraft {
  const count = Math.min(MAX_ROWS, Math.max(0, Number.parseInt(field(body, 'rows'), 10) || 0));
  const rows = Array.from({ length: count }, (_, i) => ({
    attribute: field(body, `attribute-${i}`).trim(), equals: field(body, `equals-${i}`), ignoreCase: field(body, `ignoreCase-${i}`) === 'on',
    groups: field(body, `groups-${i}`), roles: field(body, `roles-${i}`),
  }));
  return { preset: field(body, 'preset') || 'generic', groupsAttribute: field(body, 'groupsAttribute'), rows, sample: field(body, 'sample') };
}

/** The connection's mapping as the draft states it; blank rows are left out, the other attribute names kept. */
function mappingOf(connection: ConnectionView, draft: MappingDraft): Record<string, unknown> {
  const attributes = { ...(connection.mapping.attributes as Record<string, unknown> | undefined) };
  const groups = splitList(draft.groupsAttribute);
  if (groups.length > 0) attributes.groups = groups;
  else delete attributes.groups;
  const rows = draft.rows.filter((row) => row.attribute || row.equals || row.groups.trim() || row.roles.trim());
  return {
    ...connection.mapping,
    preset: draft.preset,
    attributes,
    rules: rows.map((row) => ({
      attribute: row.attribute, equals: row.equals, match: row.ignoreCase ? 'ignore-case' : 'exact',
      groups: splitList(row.groups), roles: splitList(row.roles).map((role) => ({ role })),
    })),
  };
}

/** `mapping.rules[2].equals` -> `equals-2` (the index among the non-blank rows, mapped back to the form's row). */
function fieldOf(draft: MappingDraft) {
  const kept = draft.rows.flatMap((row, i) => (row.attribute || row.equals || row.groups.trim() || row.roles.trim() ? [i] : []));
  return (path: string): string | undefined => {
    const rule = /^mapping\.rules\[(\d+)\](?:\.(\w+))?/.exec(path);
    if (rule) {
      const row = kept[Number(rule[1])];
      const name = rule[2] === 'match' ? 'equals' : rule[2] ?? 'attribute';
      return row === undefined ? undefined : `${['attribute', 'equals', 'groups', 'roles'].includes(name) ? name : 'attribute'}-${row}`;
    }
    if (path.startsWith('mapping.attributes')) return 'groupsAttribute';
    return path.startsWith('mapping.preset') ? 'preset' : undefined;
  };
}

/* The mapping rules editor of a connection: save, add a row, or a dry run of the rules as edited. */
export function addMappingRoutes(router: Router, deps: { connections: Connections }): void {
  const { connections } = deps;

  function render(ctx: Context, page: MappingPage, status = 200) {
    sendPage(ctx, mappingPage(consoleRequest(ctx).view, page), status);
  }

  router.get('/connections/:connectionId/mapping', async (ctx) => {
    const connection = await connections.get(consoleRequest(ctx).actor, ctx.params.connectionId!);
    render(ctx, { connection, draft: draftFromConnection(connection) });
  });

  router.post('/connections/:connectionId/mapping', async (ctx) => {
    const { actor, t } = consoleRequest(ctx);
    const connection = await connections.get(actor, ctx.params.connectionId!);
    const body = ctx.request.body as FormBody;
    const draft = draftFromForm(body);
    const action = field(body, 'action');
    if (action === 'add') return render(ctx, { connection, draft: { ...draft, rows: [...draft.rows, BLANK].slice(0, MAX_ROWS) } });
    const mapping = mappingOf(connection, draft);
    try {
      if (action === 'dry-run') {
        const sample = readSample(draft.sample);
        if (!sample) return render(ctx, { connection, draft, errors: { sample: t('mapping.unreadable') } }, 400);
        return render(ctx, { connection, draft, result: dryRunMapping(mapping, sample) });
      }
      await connections.update(actor, connection.id, { mapping });
    } catch (error) {
      if (!(error instanceof ValidationError) && action === 'dry-run') throw error;
      const { fields, general } = formErrors(t, error, fieldOf(draft));
      return render(ctx, { connection, draft, errors: fields, ...(general ? { general } : {}) }, 400);
    }
    redirectWithNotice(ctx, `/console/connections/${connection.id}/mapping`, 'mapping.saved');
  });
}
