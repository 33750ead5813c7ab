import { ApiError } from '../lib/api.js';
import { $ } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { currentUser, renderHeader } from '../lib/layout.js';
import { createStore } from '../lib/store.js';
import {
  checkConfirmedEmail,
  connectSocket,
  join,
  loadEvent,
  loadLottery,
  pollAsFallback,
  startClock,
} from '../queue/effects.js';
import { actions, initialState } from '../queue/state.js';
import { showDrawCheck } from '../queue/draw-check.js';
import { showWaitingRoom } from '../queue/views.js';
import { showBranding } from '../queue/branding.js';

/**
 * The waiting room: where the fan stands, what happens next, what is guaranteed. State in
 * queue/state.ts, views in queue/views.ts, the API and socket in queue/effects.ts.
 */

const MUTED = 'fairdrop.muted';
const eventId = new URLSearchParams(location.search).get('event') ?? '';
const store = createStore(initialState(eventId, localStorage.getItem(MUTED) === '1', Date.now()), actions);
showWaitingRoom(store);
showDrawCheck(store);
void showBranding(eventId);

$('#join-button').addEventListener('click', () => void join(store));
$('#mute').addEventListener('click', () => {
  store.actions.muteToggled();
  localStorage.setItem(MUTED, store.state.muted ? '1' : '0');
});

void renderHeader();
startClock(store);
const me = await currentUser();
if (!me) {
  location.href = `/account.html`;
} else {
  checkConfirmedEmail(store, me);
  try {
    await loadEvent(store);
    await loadLottery(store);
    connectSocket(store);
  } catch (err) {
    store.actions.loadFailed(err instanceof ApiError ? err.describe() : t('queue:join.loadNetwork'));
  }
  pollAsFallback(store);
}
