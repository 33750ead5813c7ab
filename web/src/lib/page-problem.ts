import { h } from './dom.js';
import { t } from './i18n.js';
import type { PageProblemWords } from './words.js';

/**
 * A page about one thing (an event) that could not load it says so in place of its skeleton:
 * the heading says what happened, the empty parts of the page (a "Loading…" title, a "·"
 * between a date and a place not yet known) are hidden, and a way on is offered. The parts are
 * hidden, not removed, so a page that polls comes back whole when the next load succeeds.
 */

const HIDDEN = 'data-page-problem-hidden';

export function showPageProblem(
  words: PageProblemWords,
  links: [string, string][] = [['/', t('problems:page.findEvents')]],
): void {
  const main = document.querySelector('main');
  const heading = main?.querySelector('h1');
  if (!main || !heading) return;
  heading.textContent = words.title;
  document.title = t('common:titlePattern', { title: words.title });
  for (const child of main.children) {
    if (child === heading || child.id === 'page-problem' || (child as HTMLElement).hidden) continue;
    (child as HTMLElement).hidden = true;
    child.setAttribute(HIDDEN, '');
  }
  const box = h(
    'div',
    { id: 'page-problem', role: 'alert' },
    h('p', { class: 'lede' }, words.text),
    h('ul', { class: 'plain-list' }, ...links.map(([href, text]) => h('li', {}, h('a', { href }, text)))),
  );
  const old = main.querySelector('#page-problem');
  // The same words again (a poll that failed the same way) are not announced twice.
  if (old?.textContent === box.textContent) return;
  if (old) old.replaceWith(box);
  else heading.after(box);
}

/** Back to the page itself, once its thing has loaded. */
export function clearPageProblem(): void {
  document.querySelector('#page-problem')?.remove();
  for (const el of document.querySelectorAll<HTMLElement>(`[${HIDDEN}]`)) {
    el.hidden = false;
    el.removeAttribute(HIDDEN);
  }
}
