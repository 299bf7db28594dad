import { html, type Html } from '../../src/http/html.ts';
import type { ConsoleText } from './text.ts';

/*
 * Form controls of the console: every input has a label, every error is tied to its input through
 * aria-describedby (and listed at the top of the form, linking to the input), hints likewise.
 */

/** Errors by field id. */
export type FieldErrors = Readonly<Record<string, string>>;

function describedBy(id: string, error: string | undefined, hint: string | undefined): Html {
  const ids = [error ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ');
  return html`${ids ? html` aria-describedby="${ids}"` : html``}${error ? html` aria-invalid="true"` : html``}`;
}

function after(id: string, error: string | undefined, hint: string | undefined): Html {
  return html`${hint ? html`<p class="hint" id="${id}-hint">${hint}</p>` : html``}${error ? html`<p class="error" id="${id}-error">${error}</p>` : html``}`;
}

export interface TextFieldSpec {
  id: string;
  name?: string;
  label: string;
  value?: string;
  error?: string | undefined;
  hint?: string;
  type?: 'text' | 'email' | 'url' | 'search' | 'datetime-local';
  required?: boolean;
  readonly?: boolean;
  autocomplete?: string;
}

export function textField(f: TextFieldSpec): Html {
  return html`<div class="field"><label for="${f.id}">${f.label}</label>
<input id="${f.id}" name="${f.name ?? f.id}" type="${f.type ?? 'text'}" value="${f.value ?? ''}"${f.required ? html` required` : html``}${f.readonly ? html` readonly` : html``} autocomplete="${f.autocomplete ?? 'off'}"${describedBy(f.id, f.error, f.hint)}>
${after(f.id, f.error, f.hint)}</div>`;
}

export function textArea(f: Omit<TextFieldSpec, 'type'> & { rows?: number }): Html {
  return html`<div class="field"><label for="${f.id}">${f.label}</label>
<textarea id="${f.id}" name="${f.name ?? f.id}" rows="${f.rows ?? 4}"${f.required ? html` required` : html``}${describedBy(f.id, f.error, f.hint)}>${f.value ?? ''}</textarea>
${after(f.id, f.error, f.hint)}</div>`;
}

export interface Choice {
  value: string;
  label: string;
  checked: boolean;
  disabled?: boolean;
}

/** Checkboxes (or radio buttons) in a fieldset whose legend labels the group. */
export function choices(f: { id: string; name: string; legend: string; options: readonly Choice[]; type?: 'checkbox' | 'radio'; error?: string | undefined; hint?: string }): Html {
  return html`<fieldset class="field"${describedBy(f.id, f.error, f.hint)} id="${f.id}"><legend>${f.legend}</legend>
${f.options.length === 0 ? html`<p class="muted">—</p>` : f.options.map((o, i) => html`<div class="choice"><input type="${f.type ?? 'checkbox'}" id="${f.id}-${i}" name="${f.name}" value="${o.value}"${o.checked ? html` checked` : html``}${o.disabled ? html` disabled` : html``}><label for="${f.id}-${i}">${o.label}</label></div>`)}
${after(f.id, f.error, f.hint)}</fieldset>`;
}

export function select(f: { id: string; name?: string; label: string; options: readonly { value: string; label: string }[]; value?: string }): Html {
  return html`<div class="field"><label for="${f.id}">${f.label}</label>
<select id="${f.id}" name="${f.name ?? f.id}">${f.options.map((o) => html`<option value="${o.value}"${o.value === f.value ? html` selected` : html``}>${o.label}</option>`)}</select></div>`;
}

export function csrfField(csrf: string): Html {
  return html`<input type="hidden" name="csrf" value="${csrf}">`;
}

/** A form that is one button: every change is a POST. */
export function postButton(b: { action: string; csrf: string; label: string; kind?: 'primary' | 'secondary' | 'danger'; fields?: Record<string, string> }): Html {
  return html`<form method="post" action="${b.action}" class="inline">${csrfField(b.csrf)}${Object.entries(b.fields ?? {}).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}<button type="submit" class="${b.kind ?? 'secondary'}">${b.label}</button></form>`;
}

/** The errors of a form, each linking to its field, announced when the page loads. */
export function errorSummary(t: ConsoleText, errors: FieldErrors | undefined, general?: string): Html {
  const entries = Object.entries(errors ?? {});
  if (entries.length === 0 && !general) return html``;
  return html`<div class="error-summary" role="alert" tabindex="-1" id="errors"><h2>${t('console.errors.heading')}</h2><ul>
${general ? html`<li>${general}</li>` : html``}${entries.map(([id, message]) => html`<li><a href="#${id}">${message}</a></li>`)}</ul></div>`;
}

/** One checkbox with its own label (value `on` when checked). */
export function checkbox(f: { id: string; name?: string; label: string; checked: boolean; value?: string }): Html {
  return html`<div class="field choice"><input type="checkbox" id="${f.id}" name="${f.name ?? f.id}" value="${f.value ?? 'on'}"${f.checked ? html` checked` : html``}><label for="${f.id}">${f.label}</label></div>`;
}
