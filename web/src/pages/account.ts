import { bindEmailChange } from '../account/email-change.js';
import { bindLanguage, showLanguage } from '../account/language.js';
import { showTurnAlerts } from '../account/turn-alerts.js';
import { api, ApiError, session } from '../lib/api.js';
import { $, formValues, h, setStatus } from '../lib/dom.js';
import { clearErrors, showError } from '../lib/forms.js';
import { currentUser, forgetCurrentUser, renderHeader } from '../lib/layout.js';
import { locale, t } from '../lib/i18n.js';
import { viewerTime } from '../lib/zoned-time.js';
import { sameOriginUrl } from '../lib/next-path.js';

interface SessionInfo {
  id: string;
  createdAt: string;
  ip: string | null;
  userAgent: string | null;
  current: boolean;
}

// In this order: Edge's user agent also names Chrome and Safari, Chrome's names Safari, Android's names Linux.
const BROWSERS: [RegExp, string][] = [
  [/Edg\//, 'Edge'],
  [/Firefox\//, 'Firefox'],
  [/Chrome\//, 'Chrome'],
  [/Safari\//, 'Safari'],
];
const SYSTEMS: [RegExp, string][] = [
  [/Android/, 'Android'],
  [/iPhone|iPad/, 'iOS'],
  [/Windows/, 'Windows'],
  [/Mac OS X/, 'macOS'],
  [/Linux/, 'Linux'],
];
const firstMatch = (list: [RegExp, string][], text: string) => list.find(([re]) => re.test(text))?.[1];

/** "Firefox on Android" from a user agent: enough to recognise one's own devices. */
function device(userAgent: string | null): string {
  if (!userAgent) return t('account:sessions.unknownDevice');
  const browser = firstMatch(BROWSERS, userAgent) ?? t('account:sessions.anApp');
  const system = firstMatch(SYSTEMS, userAgent);
  return system ? t('account:sessions.browserOn', { browser, system }) : browser;
}

async function showSessions(): Promise<void> {
  const list = $('#sessions');
  const { sessions } = await api<{ sessions: SessionInfo[] }>('GET', '/v1/me/sessions');
  list.replaceChildren(
    ...sessions.map((s) => {
      const time = viewerTime(s.createdAt, { locale });
      const what = s.ip
        ? t('account:sessions.lineIp', { device: device(s.userAgent), ip: s.ip, time })
        : t('account:sessions.line', { device: device(s.userAgent), time });
      if (s.current) return h('li', {}, what, ' ', h('strong', {}, t('account:sessions.thisDevice')));
      const button = h(
        'button',
        { type: 'button', class: 'secondary small', 'aria-label': t('account:sessions.signOutLabel', { what }) },
        t('account:sessions.signOut'),
      );
      button.addEventListener(
        'click',
        () => void endSessions(`/v1/me/sessions/${s.id}`, t('account:sessions.signedOutOne')),
      );
      return h('li', {}, what, ' ', button);
    }),
  );
}

async function endSessions(path: string, done: string): Promise<void> {
  const status = $('#sessions-status');
  try {
    await api('DELETE', path);
    setStatus(status, 'ok', done);
    await showSessions();
  } catch (err) {
    setStatus(status, 'bad', err instanceof ApiError ? err.describe() : t('account:networkError'));
  }
}

const next = sameOriginUrl(new URLSearchParams(location.search).get('next'), location.origin);
const forms = $('#signin-forms');
$('#next-note').hidden = next === null;
// A session on this device most likely still works: no sign-in forms flashing up before it is checked.
forms.hidden = session.token() !== null;

/** A role in the page's words; a role this page does not know yet shows as it is. */
const ROLE_WORDS: Record<string, () => string> = {
  fan: () => t('account:roles.fan'),
  organizer: () => t('account:roles.organizer'),
  staff: () => t('account:roles.staff'),
  admin: () => t('account:roles.admin'),
};
const roleWord = (role: string) => ROLE_WORDS[role]?.() ?? role;

/** Signed in: the account and its sessions in place of the sign-in forms. Signed out: the forms. */
async function showMe(): Promise<void> {
  const panel = $('#signed-in');
  const me = await currentUser();
  forms.hidden = me !== null;
  panel.hidden = me === null;
  if (!me) return;
  const who = { name: me.displayName, email: me.email, roles: me.roles.map(roleWord).join(', ') };
  $('#who').textContent = me.emailVerified ? t('account:signedIn.who', who) : t('account:signedIn.whoUnverified', who);
  showLanguage(me);
  await showSessions();
  await showTurnAlerts();
}

/** After signing in or out: the header and the page show the new state at once, without a reload. */
async function refresh(): Promise<void> {
  forgetCurrentUser();
  await Promise.all([showMe(), renderHeader()]);
}

function bind(formId: string, path: string): void {
  const form = $<HTMLFormElement>(formId);
  const status = $('.status', form);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    setStatus(status, 'busy', t('account:working'));
    let grant: { token: string };
    try {
      grant = await api<{ token: string }>('POST', path, formValues(form));
    } catch (err) {
      showError(form, status, err);
      return;
    }
    session.set(grant.token);
    // Back where the fan was (the event whose tickets they were holding), in place of this detour.
    if (next) {
      location.replace(next);
      return;
    }
    setStatus(status, '', '');
    form.reset();
    await refresh();
    $('#signed-in-title').focus();
  });
}

bind('#signin', '/v1/auth/login');
bind('#register', '/v1/auth/register');
$('#signout').addEventListener('click', async () => {
  await api('POST', '/v1/auth/logout').catch(() => undefined);
  session.clear();
  await refresh();
});
$('#signout-others').addEventListener(
  'click',
  () => void endSessions('/v1/me/sessions?keep=current', t('account:sessions.signedOutOthers')),
);
bindEmailChange();
bindLanguage();
void renderHeader();
await showMe();
// Already signed in (another tab did it): nothing to do here but go on.
if (next && (await currentUser())) location.replace(next);
