import { api, ApiError } from '../lib/api.js';
import { $, setStatus } from '../lib/dom.js';
import { renderHeader } from '../lib/layout.js';
import { viewerTime } from '../lib/zoned-time.js';

void renderHeader();

interface Account {
  email: string;
  displayName: string;
  createdAt: string;
  emailVerified: boolean;
}

/**
 * Whoever registered may not own this mailbox, so nothing is confirmed on load (a mail
 * scanner that opens links must not confirm a stranger's account either): the page shows
 * whose account the link is for and lets the reader say "yes, mine" or "this wasn't me".
 */
// The token arrives in the URL fragment, so it never reaches a server log or a Referer header.
const token = new URLSearchParams(location.hash.slice(1)).get('token');
history.replaceState(null, '', location.pathname);
const result = $('#result');
const whose = $('#whose');
const buttons = [$<HTMLButtonElement>('#confirm'), $<HTMLButtonElement>('#decline')];
const failed = (err: unknown) =>
  setStatus(result, 'bad', err instanceof ApiError ? err.describe() : 'Network error; try again.');

/** Runs one choice; the question goes away once it is answered. */
async function choose(busy: string, run: () => Promise<string>): Promise<void> {
  for (const b of buttons) b.disabled = true;
  setStatus(result, 'busy', busy);
  try {
    const done = await run();
    whose.hidden = true;
    setStatus(result, 'ok', done);
  } catch (err) {
    failed(err);
    for (const b of buttons) b.disabled = false;
  }
}

if (!token) {
  setStatus(result, 'bad', 'This link has no token. Open the link from the mail again.');
} else {
  try {
    const account = await api<Account>('POST', '/v1/auth/verify-email/account', { token });
    if (account.emailVerified) {
      setStatus(result, 'ok', `${account.email} is already confirmed for ${account.displayName}'s account.`);
    } else {
      ask(account, token);
    }
  } catch (err) {
    failed(err);
  }
}

/** Shows whose account the link is for, and waits for the reader's answer. */
function ask(account: Account, token: string): void {
  $('#whose-email').textContent = account.email;
  $('#whose-name').textContent = account.displayName;
  $('#whose-created').textContent = viewerTime(account.createdAt, { year: true });
  whose.hidden = false;
  setStatus(result, '', '');
  buttons[0]!.addEventListener('click', () =>
    choose('Confirming…', async () => {
      const me = await api<{ displayName: string }>('POST', '/v1/auth/verify-email', { token });
      return `Thank you, ${me.displayName}: your email is confirmed.`;
    }),
  );
  buttons[1]!.addEventListener('click', () =>
    choose('Taking your address off that account…', async () => {
      const released = await api<{ email: string }>('POST', '/v1/auth/verify-email/decline', { token });
      return `Done: ${released.email} is no longer that account's address, and its sign-ins have ended. You can create your own account with it, or accept a ticket sent to it.`;
    }),
  );
}
