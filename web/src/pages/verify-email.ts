import { api, ApiError } from '../lib/api.js';
import { $, h, setStatus } from '../lib/dom.js';
import { locale, t } from '../lib/i18n.js';
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
  setStatus(result, 'bad', err instanceof ApiError ? err.describe() : t('account:networkError'));

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
  setStatus(result, 'bad', t('account:verifyEmail.noToken'));
} else {
  try {
    const account = await api<Account>('POST', '/v1/auth/verify-email/account', { token });
    if (account.emailVerified) {
      setStatus(result, 'ok', t('account:verifyEmail.already', { email: account.email, name: account.displayName }));
    } else {
      ask(account, token);
    }
  } catch (err) {
    failed(err);
  }
}

/** Shows whose account the link is for, and waits for the reader's answer. */
function ask(account: Account, token: string): void {
  // The sentence in the page's language, its three facts as elements (the tests and the eye find them).
  const facts: Record<string, HTMLElement> = {
    email: h('strong', { id: 'whose-email' }, account.email),
    name: h('strong', { id: 'whose-name' }, account.displayName),
    created: h('span', { id: 'whose-created' }, viewerTime(account.createdAt, { year: true, locale })),
  };
  const marked = t('account:verifyEmail.whose', {
    email: '\u0000email\u0000',
    name: '\u0000name\u0000',
    created: '\u0000created\u0000',
  });
  $('#whose-text').replaceChildren(
    ...marked.split('\u0000').map((part, i) => (i % 2 === 1 && facts[part] ? facts[part] : part)),
  );
  whose.hidden = false;
  setStatus(result, '', '');
  buttons[0]!.addEventListener('click', () =>
    choose(t('account:verifyEmail.confirming'), async () => {
      const me = await api<{ displayName: string }>('POST', '/v1/auth/verify-email', { token });
      return t('account:verifyEmail.confirmed', { name: me.displayName });
    }),
  );
  buttons[1]!.addEventListener('click', () =>
    choose(t('account:verifyEmail.declining'), async () => {
      const released = await api<{ email: string }>('POST', '/v1/auth/verify-email/decline', { token });
      return t('account:verifyEmail.declined', { email: released.email });
    }),
  );
}
