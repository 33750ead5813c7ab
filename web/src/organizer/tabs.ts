import { $ } from '../lib/dom.js';

/**
 * The console's three tabs (WAI-ARIA tabs pattern): "Your events", the event being made or
 * managed, and the venues. One panel shows at a time, so the list and the forms never stack
 * into one long page. Arrow keys, Home and End move between the tabs; choosing one calls
 * `onChoose`, which decides what the page's address becomes.
 */

export type Tab = 'events' | 'event' | 'venues';
const TABS: Tab[] = ['events', 'event', 'venues'];

export interface Tabs {
  /** Shows a tab's panel (and says so to assistive technology); `focus` moves the keyboard there. */
  show(tab: Tab, options?: { focus?: boolean }): void;
  current(): Tab;
}

export function setupTabs(onChoose: (tab: Tab) => void): Tabs {
  const button = (tab: Tab) => $<HTMLButtonElement>(`#tab-${tab}`);
  let current: Tab = 'events';

  const show = (tab: Tab, options: { focus?: boolean } = {}) => {
    current = tab;
    for (const t of TABS) {
      const selected = t === tab;
      button(t).setAttribute('aria-selected', String(selected));
      button(t).tabIndex = selected ? 0 : -1;
      $(`#panel-${t}`).hidden = !selected;
    }
    if (options.focus) button(tab).focus();
  };

  for (const tab of TABS) {
    button(tab).addEventListener('click', () => onChoose(tab));
    button(tab).addEventListener('keydown', (e) => {
      const i = TABS.indexOf(tab);
      const next =
        e.key === 'ArrowRight'
          ? TABS[(i + 1) % TABS.length]
          : e.key === 'ArrowLeft'
            ? TABS[(i + TABS.length - 1) % TABS.length]
            : e.key === 'Home'
              ? TABS[0]
              : e.key === 'End'
                ? TABS.at(-1)
                : undefined;
      if (!next) return;
      e.preventDefault();
      onChoose(next);
      button(next).focus();
    });
  }

  return { show, current: () => current };
}
