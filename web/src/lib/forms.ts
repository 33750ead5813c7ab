import { locale, number, t } from './i18n.js';
import { ApiError } from './api.js';
import { h, setStatus, type StatusLine } from './dom.js';
import { fieldText, hasFieldLabel, problemText, type FieldFacts } from './words.js';

/**
 * Problem answers name the wrong field (`errors[].field`, a dotted path such as
 * `policies.perAccountLimit` or `blocks.0.layout`); these helpers put each message next to
 * that field. Inputs are found by `name`, or by `data-field` (a space-separated list of paths
 * the element answers for); a deeper path lands on its nearest named ancestor
 * (`transit.stops.2.walkingMinutes` on the `transit.stops` textarea, as "Line 3: …").
 * The messages are people's words (lib/words.ts), never the API's rule text.
 */

export interface FieldMessage {
  field: string;
  message: string;
  /** The API's entry: with it, a field the words have no label for is named by its form label. */
  facts?: FieldFacts;
}

function findField(form: HTMLFormElement, path: string): { el: HTMLElement; rest: string[] } | null {
  const segments = path.split('.');
  for (let n = segments.length; n > 0; n--) {
    const candidate = segments.slice(0, n).join('.');
    const el =
      [...form.querySelectorAll<HTMLElement>('[data-field]')].find((e) =>
        e.dataset.field!.split(' ').includes(candidate),
      ) ?? form.querySelector<HTMLElement>(`[name="${CSS.escape(candidate)}"]`);
    if (el) return { el, rest: segments.slice(n) };
  }
  return null;
}

/** Checkboxes and radios of a group carry their error on the fieldset around them. */
function anchorOf(el: HTMLElement): HTMLElement {
  if (el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio'))
    return el.closest('fieldset') ?? el;
  return el;
}

/** A field's label as a phrase ("Sale ends (optional)" → "the sale ends"), to name it in a message. */
function labelOf(el: HTMLElement): string | undefined {
  const label = el.id ? el.ownerDocument.querySelector(`label[for="${CSS.escape(el.id)}"]`) : null;
  const text = (label?.firstChild?.textContent ?? el.querySelector('legend')?.textContent ?? '').trim();
  const name = text.replace(/[:(].*$/, '').trim();
  // "the sale ends" in English; German and Spanish quote the label as written („Verkaufsende“).
  return text ? t('common:forms.fieldName', { label: locale === 'en' ? name.toLowerCase() : name }) : undefined;
}

/** The message beside its field; a line of a textarea that takes one entry per line is named. */
function describe(rest: string[], message: string, lines: boolean): string {
  const [first] = rest;
  if (lines && first !== undefined && /^\d+$/.test(first))
    return t('common:forms.line', { line: number(Number(first) + 1), message });
  return message;
}

export function clearErrors(form: HTMLFormElement): void {
  for (const p of form.querySelectorAll('.field-error')) p.remove();
  for (const el of form.querySelectorAll<HTMLElement>('[aria-describedby*="-error"]')) {
    el.removeAttribute('aria-invalid');
    const ids = (el.getAttribute('aria-describedby') ?? '').split(' ').filter((id) => id && !id.endsWith('-error'));
    if (ids.length) el.setAttribute('aria-describedby', ids.join(' '));
    else el.removeAttribute('aria-describedby');
  }
}

/**
 * Shows each message beside its field (aria-invalid + aria-describedby, so a screen reader
 * reads it on focus) and focuses the first one; messages with no field go to `status`.
 */
export function showFieldErrors(
  form: HTMLFormElement,
  status: HTMLElement,
  summary: string,
  messages: FieldMessage[],
): void {
  clearErrors(form);
  const loose: string[] = [];
  const grouped = new Map<HTMLElement, string[]>();
  for (const { field, message, facts } of messages) {
    const found = field ? findField(form, field) : null;
    if (!found) {
      if (!loose.includes(message)) loose.push(message);
      continue;
    }
    const anchor = anchorOf(found.el);
    // A field the words have no label for is named as its form labels it.
    const label = facts && !hasFieldLabel(field) ? labelOf(anchor) : undefined;
    const text = describe(
      found.rest,
      label && facts ? fieldText(facts, label) : message,
      found.el.dataset.lines !== undefined,
    );
    const texts = grouped.get(anchor) ?? [];
    if (!texts.includes(text)) grouped.set(anchor, [...texts, text]);
  }
  let first: HTMLElement | undefined;
  for (const [anchor, texts] of grouped) {
    const id = `${anchor.id || anchor.getAttribute('name') || 'field'}-error`.replace(/[^\w-]/g, '-');
    const note = h('p', { class: 'field-error', id }, texts.join(' · '));
    if (anchor.tagName === 'FIELDSET') anchor.append(note);
    else anchor.insertAdjacentElement('afterend', note);
    // aria-invalid belongs on controls (and their group); a plain paragraph only gets the note.
    if (anchor.matches('input, select, textarea, fieldset')) anchor.setAttribute('aria-invalid', 'true');
    anchor.setAttribute('aria-describedby', [anchor.getAttribute('aria-describedby'), id].filter(Boolean).join(' '));
    first ??=
      anchor.tagName === 'FIELDSET' ? (anchor.querySelector<HTMLElement>('input, select, textarea') ?? anchor) : anchor;
  }
  const fixCount = grouped.size ? t('common:forms.fixFields', { count: grouped.size }) : '';
  setStatus(status, 'bad', [summary, fixCount, ...loose].filter(Boolean).join(' ') || t('common:forms.checkAnswers'));
  // A field folded away (a "More filters" <details>) is unfolded, so its message can be read.
  for (let fold = first?.closest('details'); fold; fold = fold.parentElement?.closest('details') ?? null)
    fold.open = true;
  first?.focus();
}

/** A form's outcome as a page's state holds it: its status line and, when refused, what to put beside its fields. */
export interface Feedback extends StatusLine {
  errors?: FieldMessage[];
}

/**
 * What a failed submit says: an API refusal in people's words, each field's beside it (an
 * invalid request needs no summary beyond "Fix the highlighted field"); anything else
 * (network) in the status line.
 */
export function failureFeedback(err: unknown): Feedback {
  if (!(err instanceof ApiError)) return { kind: 'bad', text: t('common:forms.unreachable'), errors: [] };
  const facts = err.problem.errors ?? [];
  const errors = facts.map((e) => ({ field: e.field, message: fieldText(e), facts: e }));
  const text = err.problem.code === 'request.invalid' && errors.length > 0 ? '' : problemText(err.problem);
  return { kind: 'bad', text, errors };
}

/** Draws a form's feedback: a refusal beside its fields; busy keeps the last messages until the answer comes. */
export function renderFeedback(form: HTMLFormElement, status: HTMLElement, feedback: Feedback): void {
  if (feedback.kind === 'bad') return showFieldErrors(form, status, feedback.text, feedback.errors ?? []);
  if (feedback.kind !== 'busy') clearErrors(form);
  setStatus(status, feedback.kind, feedback.text);
}

/** An API failure beside its fields; anything else (network) in the status line. */
export function showError(form: HTMLFormElement, status: HTMLElement, err: unknown): void {
  renderFeedback(form, status, failureFeedback(err));
}

/**
 * One Idempotency-Key per form until it succeeds or is edited: a double click or a retry after
 * a dropped connection replays the first answer instead of creating a second venue.
 */
export function formKey(form: HTMLFormElement): { current(): string; reset(): void } {
  let key = crypto.randomUUID();
  const reset = () => void (key = crypto.randomUUID());
  form.addEventListener('input', reset);
  return { current: () => key, reset };
}

/** A text field's number, or undefined when empty (the API then names the field as missing). */
export function numberOf(form: HTMLFormElement, name: string): number | undefined {
  const raw = (form.elements.namedItem(name) as HTMLInputElement | null)?.value.trim() ?? '';
  return raw === '' ? undefined : Number(raw);
}

export function textOf(form: HTMLFormElement, name: string): string {
  return (
    (form.elements.namedItem(name) as HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement | null)?.value ?? ''
  ).trim();
}

export function checkedValues(form: HTMLFormElement, name: string): string[] {
  return [...form.querySelectorAll<HTMLInputElement>(`input[name="${CSS.escape(name)}"]:checked`)].map((i) => i.value);
}

/** "45.50" in a currency → minor units, using the currency's own decimals (JPY has none). */
export function toMinorUnits(text: string, currency: string): number | undefined {
  if (text.trim() === '') return undefined;
  let digits = 2;
  try {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    // An unknown currency code: the API will name the currency field; keep cents meanwhile.
  }
  return Math.round(Number(text.replace(',', '.')) * 10 ** digits);
}
