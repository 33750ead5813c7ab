import {
  checkPublishedLottery,
  drawConfirmed,
  lotteryCheckWords,
  type LotteryCheck,
} from '../../../src/waitingroom/lottery-check.js';
import { api, ApiError } from '../lib/api.js';
import { $, h, setStatus, type StatusKind } from '../lib/dom.js';
import { number, t } from '../lib/i18n.js';
import { createStore, type Store } from '../lib/store.js';
import type { actions as queueActions, QueueState } from './state.js';

/**
 * "Verify the draw": the fan's browser reads the draw's public record and recomputes every
 * ticket number, with the very check `npm run verify-lottery` runs (src/waitingroom/lottery-check.ts),
 * then says in words whether the published draw matches. Its own small state, actions, view
 * and effect (lib/store.ts); it reads the waiting room's state only to know whether the seed
 * is out yet.
 */

export type DrawCheckState =
  | { kind: 'idle' }
  /** What is being done, and how far: read or recomputed so far, of how many. */
  | { kind: 'running'; step: 'reading' | 'recomputing'; done: number; total: number }
  | { kind: 'done'; confirmed: boolean | null; headline: string; details: string[] }
  | { kind: 'failed'; text: string };

export const drawCheckActions = {
  started: (_s: DrawCheckState): DrawCheckState => ({ kind: 'running', step: 'reading', done: 0, total: 0 }),
  progressed: (s: DrawCheckState, step: 'reading' | 'recomputing', done: number, total: number): DrawCheckState =>
    s.kind === 'running' ? { kind: 'running', step, done, total } : s,
  finished: (_s: DrawCheckState, check: LotteryCheck): DrawCheckState => ({
    kind: 'done',
    confirmed: drawConfirmed(check),
    ...lotteryCheckWords(check, t, number),
  }),
  failed: (_s: DrawCheckState, text: string): DrawCheckState => ({ kind: 'failed', text }),
};

type CheckStore = Store<DrawCheckState, typeof drawCheckActions>;
type QueueStore = Store<QueueState, typeof queueActions>;

/** The effect: fetch the record, recompute, report. */
async function runCheck(eventId: string, check: CheckStore): Promise<void> {
  if (check.state.kind === 'running') return;
  check.actions.started();
  try {
    const result = await checkPublishedLottery(eventId, (path) => api<unknown>('GET', path), undefined, {
      onEntries: (read, total) => check.actions.progressed('reading', read, total),
      onProgress: (done, total) => check.actions.progressed('recomputing', done, total),
    });
    check.actions.finished(result);
  } catch (err) {
    check.actions.failed(
      err instanceof ApiError ? t('queue:check.failed', { reason: err.describe() }) : t('queue:check.failedNetwork'),
    );
  }
}

/** The status line: one sentence, spoken once (the progress below it is not a live region). */
function statusOf(state: DrawCheckState): [StatusKind, string] {
  switch (state.kind) {
    case 'idle':
      return ['', ''];
    case 'running':
      return ['busy', t('queue:check.running')];
    case 'failed':
      return ['bad', state.text];
    case 'done':
      return [state.confirmed === null ? '' : state.confirmed ? 'ok' : 'bad', state.headline];
  }
}

function progressWords(state: Extract<DrawCheckState, { kind: 'running' }>): string {
  if (state.total === 0) return t('queue:check.reading');
  const values = { done: number(state.done), total: number(state.total) };
  return state.step === 'reading' ? t('queue:check.readingEntries', values) : t('queue:check.recomputing', values);
}

function renderStatus([kind, text]: [StatusKind, string]): void {
  setStatus($('#draw-check-status'), kind, text);
}

function renderDetails(state: DrawCheckState): void {
  const button = $<HTMLButtonElement>('#verify-draw');
  button.disabled = state.kind === 'running';
  button.textContent =
    state.kind === 'done' || state.kind === 'failed' ? t('queue:check.verifyAgain') : t('queue:check.verify');
  const bar = $<HTMLProgressElement>('#draw-check-progress');
  bar.hidden = state.kind !== 'running';
  if (state.kind === 'running') {
    bar.max = Math.max(1, state.total);
    bar.value = state.done;
  }
  $('#draw-check-details').replaceChildren(
    ...(state.kind === 'running'
      ? [h('p', { class: 'hint' }, progressWords(state))]
      : state.kind === 'done'
        ? state.details.map((d) => h('p', {}, d))
        : []),
  );
}

/** Wires the check into the waiting room page: the button shows once the seed is revealed. */
export function showDrawCheck(queue: QueueStore): void {
  const check = createStore<DrawCheckState, typeof drawCheckActions>({ kind: 'idle' }, drawCheckActions);
  queue.view(
    // The seed is out once the room says it is live (the socket's word arrives first: a node may
    // answer the lottery record from a copy made just before the draw) or once the record shows it.
    (s) => s.snapshot?.phase === 'live' || (s.lottery && s.lottery !== 'unpublished' ? s.lottery.seed !== null : false),
    (revealed) => {
      $('#verify-draw').hidden = !revealed;
      $('#draw-check-wait').hidden = revealed;
    },
  );
  // The status line is redrawn only when its words change, so a screen reader hears each once.
  check.view(statusOf, renderStatus);
  check.view((s) => s, renderDetails);
  $('#verify-draw').addEventListener('click', () => void runCheck(queue.state.eventId, check));
}
