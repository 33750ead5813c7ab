import { api, ApiError } from '../lib/api.js';
import { $, h, setStatus } from '../lib/dom.js';
import { clearErrors, showError } from '../lib/forms.js';
import { locale, number, t } from '../lib/i18n.js';
import { localTime, money } from '../lib/layout.js';
import { isoToZoned, viewerTime, zonedToIso } from '../lib/zoned-time.js';
import type { EventDetail } from './types.js';
import type { CancellationProgress } from '../../../src/cancellations/cancellations.service.js';

/**
 * The console's cancel/postpone panel (#cancel-panel). Cancelling takes a reason and a second,
 * explicit confirmation (it revokes every ticket and cannot be undone); its refunds then run
 * as background jobs, whose progress is polled while they run. Postponing takes the new date
 * at the venue and a refund window.
 */

type Progress = CancellationProgress;

/** Refund jobs finish in well under a second each: 1.5 s polls show movement without loading the API. */
const POLL_MS = 1500;

const panel = $('#cancel-panel');
let shown = '';
let poll: ReturnType<typeof setTimeout> | undefined;

/** Tells the rest of the console (the workspace, its publish panel, the live drop) that the event changed. */
function changed(eventId: string): void {
  document.dispatchEvent(new CustomEvent('organizer:event-changed', { detail: { eventId } }));
}

function stopPolling(): void {
  clearTimeout(poll);
  poll = undefined;
}

function progressView(p: Progress, currency: string | null): HTMLElement {
  const done = p.refunded + p.voided + p.skipped;
  const finished = p.completedAt !== null;
  return h(
    'div',
    { class: 'cancel-progress', 'data-done': finished ? 'true' : 'false' },
    h(
      'p',
      {},
      h('strong', {}, t('organizer:cancel.cancelled')),
      ` ${t('organizer:cancel.cancelledWhen', { at: viewerTime(p.cancelledAt, { locale }), reason: p.reason })}`,
    ),
    h('label', { for: 'refund-progress' }, finished ? t('organizer:cancel.complete') : t('organizer:cancel.refunding')),
    h('progress', {
      id: 'refund-progress',
      max: String(Math.max(1, p.ordersTotal)),
      value: String(p.ordersTotal === 0 ? 1 : done),
    }),
    h(
      'p',
      { id: 'refund-counts', 'aria-live': 'polite' },
      t('organizer:cancel.counts', {
        count: p.ordersTotal,
        done: number(done),
        total: number(p.ordersTotal),
        refunded: number(p.refunded),
        voided: number(p.voided),
        skipped: number(p.skipped),
        pending: number(p.pending),
      }),
    ),
    h(
      'dl',
      { class: 'stats' },
      h('div', {}, h('dt', {}, t('organizer:cancel.revoked')), h('dd', {}, number(p.ticketsRevoked))),
      h(
        'div',
        {},
        h('dt', {}, t('organizer:cancel.refunded')),
        h(
          'dd',
          {},
          currency
            ? money(p.refundedCents, currency)
            : number(p.refundedCents / 100, { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
        ),
      ),
    ),
    finished
      ? h('p', { class: 'status ok' }, t('organizer:cancel.settled', { at: viewerTime(p.completedAt!, { locale }) }))
      : null,
  );
}

/** Shows the cancellation's progress and polls while refunds are running. */
async function followProgress(eventId: string, currency: string | null): Promise<void> {
  stopPolling();
  const box = $('#cancel-state', panel);
  try {
    const p = await api<Progress>('GET', `/v1/events/${eventId}/cancellation`);
    if (shown !== eventId) return;
    box.replaceChildren(progressView(p, currency));
    if (!p.completedAt) poll = setTimeout(() => void followProgress(eventId, currency), POLL_MS);
  } catch (err) {
    box.replaceChildren(
      h('p', { class: 'status bad' }, err instanceof ApiError ? err.describe() : t('organizer:cancel.progressFailed')),
    );
    if (!(err instanceof ApiError)) poll = setTimeout(() => void followProgress(eventId, currency), POLL_MS * 2);
  }
}

function cancelForm(e: EventDetail, currency: string | null): HTMLFormElement {
  const form = h(
    'form',
    { id: 'cancel-form', novalidate: true, 'aria-labelledby': 'cancel-title' },
    h('h4', { id: 'cancel-title' }, t('organizer:cancel.title')),
    h('p', { class: 'hint' }, t('organizer:cancel.hint')),
    h('label', { for: 'cancel-reason' }, t('organizer:cancel.reason')),
    h('textarea', {
      id: 'cancel-reason',
      name: 'reason',
      rows: '2',
      required: true,
      minlength: '3',
      maxlength: '1000',
    }),
    h('button', { type: 'submit', class: 'danger' }, t('organizer:cancel.submit')),
    h(
      'div',
      { id: 'cancel-confirm', class: 'confirm', role: 'group', 'aria-labelledby': 'cancel-confirm-text', hidden: true },
      h('p', { id: 'cancel-confirm-text' }, t('organizer:cancel.confirm', { title: e.title })),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', id: 'cancel-confirm-yes', class: 'danger' }, t('organizer:cancel.yes')),
        h('button', { type: 'button', id: 'cancel-confirm-no', class: 'secondary' }, t('organizer:cancel.no')),
      ),
    ),
    h('p', { class: 'status', role: 'status', 'aria-live': 'polite' }),
  );
  const status = $('.status', form);
  const confirmBox = $('#cancel-confirm', form);
  const submit = $<HTMLButtonElement>('button[type=submit]', form);
  // One key per confirmed cancellation: a double click or a retry is one cancellation (the API also treats a repeat as an answer).
  let key = crypto.randomUUID();
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const reason = $<HTMLTextAreaElement>('#cancel-reason', form).value.trim();
    if (reason.length < 3) {
      showError(
        form,
        status,
        new ApiError({
          status: 400,
          code: 'request.invalid',
          detail: t('organizer:cancel.needReason'),
          errors: [{ in: 'body', field: 'reason', code: 'too_small', message: t('organizer:cancel.reasonTooShort') }],
        }),
      );
      return;
    }
    clearErrors(form);
    setStatus(status, '', '');
    key = crypto.randomUUID();
    confirmBox.hidden = false;
    submit.hidden = true;
    $('#cancel-confirm-yes', form).focus();
  });
  $('#cancel-confirm-no', form).addEventListener('click', () => {
    confirmBox.hidden = true;
    submit.hidden = false;
    submit.focus();
  });
  $('#cancel-confirm-yes', form).addEventListener('click', async () => {
    const yes = $<HTMLButtonElement>('#cancel-confirm-yes', form);
    yes.disabled = true;
    setStatus(status, 'busy', t('organizer:cancel.busy'));
    try {
      await api(
        'POST',
        `/v1/events/${e.id}/cancel`,
        { reason: $<HTMLTextAreaElement>('#cancel-reason', form).value.trim() },
        { idempotencyKey: key },
      );
      setStatus(status, 'ok', t('organizer:cancel.done'));
      form.hidden = true;
      $('#postpone-form', panel).hidden = true;
      changed(e.id);
      await followProgress(e.id, currency);
      $('#cancel-panel-title').focus();
    } catch (err) {
      yes.disabled = false;
      confirmBox.hidden = true;
      submit.hidden = false;
      showError(form, status, err);
    }
  });
  return form;
}

function postponeForm(e: EventDetail): HTMLFormElement {
  const zone = e.startsAt.timeZone;
  const form = h(
    'form',
    { id: 'postpone-form', novalidate: true, 'aria-labelledby': 'postpone-title' },
    h('h4', { id: 'postpone-title' }, t('organizer:postpone.title')),
    h('p', { class: 'hint' }, t('organizer:postpone.hint')),
    h(
      'div',
      { class: 'row' },
      h(
        'div',
        { class: 'field time' },
        h('label', { for: 'postpone-date' }, t('organizer:postpone.date', { zone })),
        h('input', {
          id: 'postpone-date',
          name: 'newStartsAt',
          type: 'datetime-local',
          required: true,
          value: isoToZoned(e.startsAt.utc, zone),
        }),
      ),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'postpone-window' }, t('organizer:postpone.window')),
        h('input', {
          id: 'postpone-window',
          name: 'refundWindowDays',
          type: 'number',
          min: '1',
          max: '365',
          value: '14',
          inputmode: 'numeric',
          required: true,
        }),
      ),
    ),
    h(
      'label',
      { for: 'postpone-note' },
      `${t('organizer:postpone.note')} `,
      h('span', { class: 'muted' }, t('organizer:optional')),
    ),
    h('textarea', { id: 'postpone-note', name: 'note', rows: '2', maxlength: '1000' }),
    h('button', { type: 'submit', class: 'secondary' }, t('organizer:postpone.submit')),
    h('p', { class: 'status', role: 'status', 'aria-live': 'polite' }),
  );
  const status = $('.status', form);
  let key = crypto.randomUUID();
  form.addEventListener('input', () => void (key = crypto.randomUUID()));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const value = (name: string) =>
      (form.elements.namedItem(name) as HTMLInputElement | HTMLTextAreaElement).value.trim();
    const days = value('refundWindowDays');
    const note = value('note');
    setStatus(status, 'busy', t('organizer:postpone.busy'));
    try {
      const change = await api<{ after: Record<string, string | null>; refundUntil: string | null }>(
        'POST',
        `/v1/events/${e.id}/postpone`,
        {
          newStartsAt: zonedToIso(value('newStartsAt'), zone),
          refundWindowDays: days === '' ? undefined : Number(days),
          ...(note ? { note } : {}),
        },
        { idempotencyKey: key },
      );
      setStatus(
        status,
        'ok',
        change.refundUntil
          ? t('organizer:postpone.done', {
              at: localTime(change.after.startsAt ?? '', zone),
              until: localTime(change.refundUntil, zone),
            })
          : t('organizer:postpone.doneUntilEvent', { at: localTime(change.after.startsAt ?? '', zone) }),
      );
      changed(e.id);
    } catch (err) {
      showError(form, status, err);
    }
  });
  return form;
}

async function show(eventId: string): Promise<void> {
  stopPolling();
  shown = eventId;
  if (!eventId) {
    panel.replaceChildren();
    return;
  }
  try {
    const e = await api<EventDetail>('GET', `/v1/events/${eventId}`);
    if (shown !== eventId) return;
    const currency = e.tiers[0]?.currency ?? null;
    const closed = e.phase === 'cancelled' || e.phase === 'completed';
    panel.replaceChildren(
      h('h3', { id: 'cancel-panel-title', tabindex: '-1' }, t('organizer:cancel.panelTitle')),
      h('div', { id: 'cancel-state' }),
      ...(closed ? [] : [postponeForm(e), cancelForm(e, currency)]),
    );
    if (e.phase === 'cancelled') await followProgress(eventId, currency);
    else if (e.phase === 'completed')
      $('#cancel-state', panel).replaceChildren(h('p', {}, t('organizer:cancel.tookPlace')));
  } catch (err) {
    panel.replaceChildren(
      h('p', { class: 'status bad' }, err instanceof ApiError ? err.describe() : t('organizer:loadEventFailed')),
    );
  }
}

document.addEventListener('organizer:event-selected', (ev) => {
  const detail = (ev as CustomEvent<{ eventId: string }>).detail;
  void show(detail.eventId);
});
if (panel.dataset.eventId) void show(panel.dataset.eventId);
