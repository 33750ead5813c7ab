import { $ } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { currentUser, renderHeader } from '../lib/layout.js';
import { createStore } from '../lib/store.js';
import { doorEffects } from '../scanner/effects.js';
import { actions, initialState } from '../scanner/state.js';
import { showScanner } from '../scanner/views.js';

/**
 * The door scanner: pick the event and gate, scan with the camera or type a code, see a big
 * green or red answer with the reason and the seat. State in scanner/state.ts, views in
 * scanner/views.ts, the API, offline store and camera in scanner/effects.ts.
 */

const store = createStore(initialState, actions);
showScanner(store);
const door = doorEffects(store);

// Setup ------------------------------------------------------------------------------------

const eventSelect = $<HTMLSelectElement>('#event');
const gateInput = $<HTMLInputElement>('#gate');
eventSelect.addEventListener('change', () => store.actions.eventChosen(eventSelect.value));

$<HTMLFormElement>('#event-search-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void door.searchEvents($<HTMLInputElement>('#event-search').value.trim());
});

$<HTMLFormElement>('#setup-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const eventId = eventSelect.value;
  const gate = gateInput.value.trim();
  if (!eventId || !gate) {
    store.actions.setupRefused(!eventId ? t('scanner:setup.needEvent') : t('scanner:setup.needGate'));
    (!eventId ? eventSelect : gateInput).focus();
    return;
  }
  if (await door.openStation(eventId, gate)) $<HTMLTextAreaElement>('#code').focus();
});

// Station ----------------------------------------------------------------------------------

$('#change-station').addEventListener('click', () => {
  door.closeStation();
  eventSelect.focus();
});

const code = $<HTMLTextAreaElement>('#code');
$<HTMLFormElement>('#manual').addEventListener('submit', async (e) => {
  e.preventDefault();
  await door.scan(code.value);
  code.value = '';
  code.focus();
});
// Enter submits (a keyboard wedge scanner types the code and presses Enter); Shift+Enter is a new line.
code.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey) {
    e.preventDefault();
    $<HTMLFormElement>('#manual').requestSubmit();
  }
});
$('#camera-toggle').addEventListener('click', () => void door.toggleCamera($<HTMLVideoElement>('#camera')));

// Offline ----------------------------------------------------------------------------------

$('#sync-now').addEventListener('click', () => void door.sync());
$('#bundle-download').addEventListener('click', () => void door.downloadAgain());
window.addEventListener('online', () => {
  door.offlineSeen();
  void door.sync();
});
window.addEventListener('offline', () => door.offlineSeen());

// Start ------------------------------------------------------------------------------------

void renderHeader();
await door.start(await currentUser());
