import { $, h } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import type { Me } from '../lib/layout.js';
import { seatOfTicket } from './summary.js';
import type { Hold, Holder } from './types.js';

/**
 * Who each ticket is for: a name and an email per ticket, with "use my details" beside each to
 * fill in the account's own (ticked for the first ticket, which is usually the buyer's), and
 * one box to put every ticket in the buyer's name. A box stays true to its fields: typing
 * another name unticks it.
 */

const nameInput = (i: number) => $<HTMLInputElement>(`#att-name-${i}`);
const emailInput = (i: number) => $<HTMLInputElement>(`#att-email-${i}`);
const mineBox = (i: number) => $<HTMLInputElement>(`#att-me-${i}`);

function holderFields(hold: Hold, i: number, me: Me): HTMLFieldSetElement {
  const seat = seatOfTicket(hold, i);
  const title = hold.quantity === 1 ? t('checkout:holders.yourTicket') : t('checkout:holders.ticketN', { n: i + 1 });
  return h(
    'fieldset',
    { class: 'holder', 'data-ticket': String(i) },
    h('legend', {}, seat ? `${title} · ${seat}` : title),
    h(
      'label',
      { class: 'check' },
      h('input', { type: 'checkbox', id: `att-me-${i}`, 'data-me': String(i) }),
      ' ',
      t('checkout:holders.useMine', { name: me.displayName, email: me.email }),
    ),
    h(
      'div',
      { class: 'row' },
      h(
        'div',
        { class: 'field' },
        h('label', { for: `att-name-${i}` }, t('checkout:holders.name')),
        h('input', { id: `att-name-${i}`, required: true, autocomplete: 'off', maxlength: '200' }),
      ),
      h(
        'div',
        { class: 'field' },
        h('label', { for: `att-email-${i}` }, t('checkout:holders.email')),
        h('input', { id: `att-email-${i}`, type: 'email', required: true, autocomplete: 'off', maxlength: '320' }),
      ),
    ),
  );
}

/** Ticks or unticks one ticket's box and fills or empties its fields to match. */
function useMine(i: number, me: Me, mine: boolean): void {
  mineBox(i).checked = mine;
  const name = nameInput(i);
  const email = emailInput(i);
  if (mine) {
    name.value = me.displayName;
    email.value = me.email;
  } else if (name.value === me.displayName && email.value === me.email) {
    // Their own details, just unticked: empty, ready for someone else's.
    name.value = '';
    email.value = '';
  }
}

/** The "every ticket" box: ticked when all are, mixed when some are. */
function syncAll(count: number): void {
  const all = document.querySelector<HTMLInputElement>('#att-me-all');
  if (!all) return;
  const ticked = Array.from({ length: count }, (_, i) => mineBox(i).checked).filter(Boolean).length;
  all.checked = ticked === count;
  all.indeterminate = ticked > 0 && ticked < count;
}

export function renderHolders(root: HTMLElement, hold: Hold, me: Me): void {
  const count = hold.quantity;
  root.replaceChildren(
    ...(count > 1
      ? [
          h(
            'label',
            { class: 'check every-ticket' },
            h('input', { type: 'checkbox', id: 'att-me-all' }),
            ' ',
            t('checkout:holders.allMine'),
          ),
        ]
      : []),
    ...Array.from({ length: count }, (_, i) => holderFields(hold, i, me)),
  );
  for (let i = 0; i < count; i++) {
    mineBox(i).addEventListener('change', () => {
      useMine(i, me, mineBox(i).checked);
      syncAll(count);
      if (!mineBox(i).checked) nameInput(i).focus();
    });
    for (const input of [nameInput(i), emailInput(i)]) {
      input.addEventListener('input', () => {
        const same = nameInput(i).value === me.displayName && emailInput(i).value === me.email;
        if (mineBox(i).checked !== same) {
          mineBox(i).checked = same;
          syncAll(count);
        }
      });
    }
  }
  document.querySelector<HTMLInputElement>('#att-me-all')?.addEventListener('change', (e) => {
    const mine = (e.currentTarget as HTMLInputElement).checked;
    for (let i = 0; i < count; i++) useMine(i, me, mine);
    syncAll(count);
  });
  useMine(0, me, true);
  syncAll(count);
}

/** One holder per ticket, in the hold's order, as the form says now. */
export function readHolders(count: number): Holder[] {
  return Array.from({ length: count }, (_, i) => ({
    name: nameInput(i).value.trim(),
    email: emailInput(i).value.trim(),
  }));
}
