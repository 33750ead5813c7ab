import { api, ApiError } from '../lib/api.js';
import { $, setStatus } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { currentUser, renderHeader } from '../lib/layout.js';
import { bindMarkRead, connectLive, loadFeed, renderFeed, renderTimeline } from '../tickets/feed.js';
import { invitationFromHash, showInvitation, showSignedOutInvitation } from '../tickets/invitation.js';
import { renderOrders } from '../tickets/orders.js';
import { forgetEvents } from '../tickets/shared.js';
import { renderTickets } from '../tickets/ticket-cards.js';
import { addResaleActions } from '../tickets/resale.js';
import { renderTransfers } from '../tickets/transfers.js';
import { addWalletButtons } from '../tickets/wallet.js';
import type { Order, Ticket, Transfer } from '../tickets/types.js';

/**
 * My tickets: rotating door codes, transfers and gifts (including the invitation a mail links
 * to), orders with cancel/refund where allowed, live notifications and signed receipts.
 */

const pageStatus = $('#page-status');
void renderHeader();
const me = await currentUser();
const invite = invitationFromHash();

if (!me) {
  setStatus(pageStatus, '', '');
  if (invite) showSignedOutInvitation(invite);
  else $('#gate').hidden = false;
} else {
  const feed = await loadFeed().catch(() => ({ items: [], unread: 0 }));
  renderFeed(feed);
  bindMarkRead(feed);

  let loading: Promise<void> | null = null;
  let again = false;
  /** Everything the page shows about my tickets; overlapping calls (a burst of news) collapse into one more. */
  const load = async (): Promise<void> => {
    if (loading) {
      again = true;
      return loading;
    }
    loading = (async () => {
      try {
        const [{ tickets }, { transfers }, { orders }] = await Promise.all([
          api<{ tickets: Ticket[] }>('GET', '/v1/me/tickets?all=true'),
          api<{ transfers: Transfer[] }>('GET', '/v1/me/transfers'),
          api<{ orders: Order[] }>('GET', '/v1/me/orders'),
        ]);
        const reload = () => void load();
        $('#tickets-empty').hidden =
          tickets.length > 0 || transfers.some((tr) => tr.status === 'accepted' && tr.fromUserId === me.id);
        await Promise.all([
          renderTickets($('#tickets'), tickets, transfers, me.id, reload).then(() =>
            Promise.all([addWalletButtons($('#tickets'), tickets), addResaleActions($('#tickets'), tickets, reload)]),
          ),
          renderTransfers($('#transfers'), transfers, me, reload),
          renderOrders($('#orders'), orders, tickets, reload),
          renderTimeline(),
        ]);
        if (invite && $('#invitation').hidden) await showInvitation(invite, me, transfers, reload);
        setStatus(pageStatus, '', '');
      } catch (err) {
        setStatus(pageStatus, 'bad', err instanceof ApiError ? err.describe() : t('tickets:unreachable'));
      }
    })();
    await loading;
    loading = null;
    if (again) {
      again = false;
      await load();
    }
  };

  $('#mine').hidden = false;
  await load();
  connectLive(feed, (push) => {
    // An event changed (postponed, cancelled): its dates and policy are fetched again.
    if (push.kind.startsWith('event.')) forgetEvents();
    void load();
  });
  // Back from the background: the codes' timers may have been throttled; draw fresh ones now.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void load();
  });
}
