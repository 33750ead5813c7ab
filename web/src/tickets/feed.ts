import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, NotificationPush, ServerToClientEvents } from '../../../src/realtime/events.js';
import { api, session } from '../lib/api.js';
import { $, h } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { money } from '../lib/layout.js';
import { describeReceipt } from '../lib/receipt-words.js';
import { mineAt, shortId, slot, withNodes } from './shared.js';
import type { FeedItem, Receipt } from './types.js';

/**
 * Notifications (the unread list, and live pushes on socket.io announced through a polite
 * live region) and the signed receipts timeline.
 */

export interface Feed {
  items: FeedItem[];
  unread: number;
}

function notificationItem(n: FeedItem): HTMLElement {
  return h(
    'li',
    { class: `notice${n.read ? '' : ' unread'}`, 'data-notification': String(n.id) },
    h(
      'p',
      {},
      n.read ? null : h('span', { class: 'badge badge-new' }, t('tickets:feed.new')),
      n.read ? null : ' ',
      h('strong', {}, n.title),
    ),
    h('p', { class: 'notice-body' }, n.body),
    h('p', { class: 'hint' }, mineAt(n.createdAt)),
  );
}

export function renderFeed(feed: Feed): void {
  $('#unread-count').textContent = feed.unread
    ? t('tickets:feed.unread', { count: feed.unread })
    : t('tickets:feed.allRead');
  $<HTMLButtonElement>('#mark-read').hidden = feed.unread === 0;
  $('#notifications').replaceChildren(
    ...(feed.items.length ? feed.items.map(notificationItem) : [h('li', { class: 'muted' }, t('tickets:feed.empty'))]),
  );
}

export async function loadFeed(): Promise<Feed> {
  const { items, unread } = await api<{ items: FeedItem[]; unread: number }>('GET', '/v1/me/notifications?limit=20');
  return { items, unread };
}

export function bindMarkRead(feed: Feed): void {
  $('#mark-read').addEventListener('click', async () => {
    await api('POST', '/v1/me/notifications/read', { all: true }).catch(() => undefined);
    feed.items = feed.items.map((i) => ({ ...i, read: true }));
    feed.unread = 0;
    renderFeed(feed);
    $('#notifications-title').focus();
  });
}

/**
 * Live pushes: each one joins the list and is read out once through the polite region (no
 * interrupting, no repeats); `onNews` lets the page refresh what the news is about.
 */
export function connectLive(
  feed: Feed,
  onNews: (push: NotificationPush) => void,
): Socket<ServerToClientEvents, ClientToServerEvents> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({ auth: { token: session.token() ?? '' } });
  const state = $('#live-state');
  socket.on('connect', () => void (state.textContent = t('tickets:feed.liveOn')));
  socket.on('disconnect', (reason) => {
    state.textContent = t('tickets:feed.livePaused');
    // The server ends the socket when the account changes or its sign-in ends: connect again, as the session is now.
    if (reason === 'io server disconnect') socket.connect();
  });
  socket.on('connect_error', (err: Error & { data?: { code?: string } }) => {
    state.textContent = err.data?.code?.startsWith('auth.') ? t('tickets:feed.liveOff') : t('tickets:feed.livePaused');
  });
  socket.on('notification', (push) => {
    if (feed.items.some((i) => i.id === push.id)) return;
    feed.items = [{ ...push, read: false }, ...feed.items].slice(0, 50);
    feed.unread += 1;
    renderFeed(feed);
    $('#live-news').textContent = `${push.title}. ${push.body.split('\n')[0] ?? ''}`;
    onNews(push);
  });
  return socket;
}

/** What a receipt is about, in words; a kind this page does not know yet shows as it is. */
const SUBJECTS: Record<string, () => string> = {
  account: () => t('tickets:feed.subject.account'),
  event: () => t('tickets:feed.subject.event'),
  gift_card: () => t('tickets:feed.subject.giftCard'),
  hold: () => t('tickets:feed.subject.hold'),
  order: () => t('tickets:feed.subject.order'),
  payment: () => t('tickets:feed.subject.payment'),
  queue_entry: () => t('tickets:feed.subject.queueEntry'),
  ticket: () => t('tickets:feed.subject.ticket'),
};

/** The newest receipts first; each names its hash (chained) and carries its signature on hover. */
export async function renderTimeline(): Promise<void> {
  const { receipts } = await api<{ receipts: Receipt[] }>('GET', '/v1/me/timeline?limit=200');
  const newest = receipts.slice(-30).reverse();
  $('#timeline').replaceChildren(
    ...(newest.length
      ? newest.map((r) =>
          h(
            'li',
            { 'data-seq': String(r.seq) },
            h('span', { class: 'receipt-kind' }, describeReceipt(r, money)),
            ' ',
            h(
              'span',
              { class: 'hint' },
              ...withNodes(
                t('tickets:feed.receiptMeta', {
                  seq: r.seq,
                  time: slot('time'),
                  subject: SUBJECTS[r.subjectType]?.() ?? r.subjectType,
                  id: shortId(r.subjectId),
                }),
                { time: mineAt(r.occurredAt) },
              ),
              ' ',
            ),
            h(
              'code',
              { title: t('tickets:feed.signature', { signature: r.signature, key: r.keyId }) },
              r.hash.slice(0, 12),
            ),
          ),
        )
      : [h('li', { class: 'muted' }, t('tickets:feed.noReceipts'))]),
  );
}
