/** Small DOM helpers; the pages are plain HTML enhanced by these scripts. */

export function $<T extends Element = HTMLElement>(selector: string, root: ParentNode = document): T {
  const el = root.querySelector<T>(selector);
  if (!el) throw new Error(`missing element ${selector}`);
  return el;
}

/** Builds an element: h('li', {class: 'x'}, 'text', child). Text is always set as text, never HTML. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | boolean | undefined> = {},
  ...children: (Node | string | null | undefined)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) if (child !== null && child !== undefined) el.append(child);
  return el;
}

export type StatusKind = 'ok' | 'bad' | 'busy' | '';

/** A status line's words and tone, as a page's state holds it. */
export interface StatusLine {
  kind: StatusKind;
  text: string;
}
export const silent: StatusLine = { kind: '', text: '' };

export function setStatus(el: HTMLElement, kind: StatusKind, text: string): void {
  el.className = `status ${kind}`.trim();
  el.textContent = text;
}

export function formValues(form: HTMLFormElement): Record<string, string> {
  return Object.fromEntries([...new FormData(form).entries()].map(([k, v]) => [k, String(v)]));
}

const SLOT = '\u0000';

/** A placeholder for an element in a message: `t('tickets:orders.refundUntil', { time: slot('time') })`. */
export const slot = (name: string): string => `${SLOT}${name}${SLOT}`;

/**
 * A message with elements in it (a <time>, a countdown, a name in bold), in the language's word
 * order: the text of `t(key, { time: slot('time') })`, each slot replaced by its node.
 */
export function withNodes(text: string, nodes: Record<string, Node>): (string | Node)[] {
  return text
    .split(SLOT)
    .map((part, i) => (i % 2 === 1 ? (nodes[part] ?? part) : part))
    .filter((part) => part !== '');
}
