import { api, ApiError, session } from '../lib/api.js';
import { $, formValues, h, setStatus } from '../lib/dom.js';
import { renderHeader } from '../lib/layout.js';

interface Me {
  displayName: string;
  email: string;
  roles: string[];
  emailVerified: boolean;
}
interface SessionGrant {
  token: string;
  user: Me;
}
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
  if (!userAgent) return 'An unknown device';
  const browser = firstMatch(BROWSERS, userAgent) ?? 'An app';
  const system = firstMatch(SYSTEMS, userAgent);
  return system ? `${browser} on ${system}` : browser;
}

async function showSessions(): Promise<void> {
  const list = $('#sessions');
  const { sessions } = await api<{ sessions: SessionInfo[] }>('GET', '/v1/me/sessions');
  list.replaceChildren(
    ...sessions.map((s) => {
      const what = `${device(s.userAgent)}${s.ip ? `, ${s.ip}` : ''}, signed in ${new Date(s.createdAt).toLocaleString()}`;
      if (s.current) return h('li', {}, what, ' ', h('strong', {}, '(this device)'));
      const button = h(
        'button',
        { type: 'button', class: 'secondary small', 'aria-label': `Sign out ${what}` },
        'Sign out',
      );
      button.addEventListener('click', () => void endSessions(`/v1/me/sessions/${s.id}`, 'Signed out that device.'));
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
    setStatus(status, 'bad', err instanceof ApiError ? err.describe() : 'Network error; try again.');
  }
}

async function showMe(): Promise<void> {
  const panel = $('#signed-in');
  if (!session.token()) {
    panel.hidden = true;
    return;
  }
  try {
    const me = await api<Me>('GET', '/v1/me');
    $('#who').textContent =
      `${me.displayName} (${me.email}) — ${me.roles.join(', ')}${me.emailVerified ? '' : ' — email not verified yet'}`;
    panel.hidden = false;
    await showSessions();
  } catch {
    session.clear();
    panel.hidden = true;
  }
}

function bind(formId: string, path: string): void {
  const form = $<HTMLFormElement>(formId);
  const status = $('.status', form);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    setStatus(status, 'busy', 'Working…');
    try {
      const grant = await api<SessionGrant>('POST', path, formValues(form));
      session.set(grant.token);
      setStatus(status, 'ok', `Welcome, ${grant.user.displayName}.`);
      await showMe();
    } catch (err) {
      setStatus(status, 'bad', err instanceof ApiError ? err.describe() : 'Network error; try again.');
    }
  });
}

bind('#signin', '/v1/auth/login');
bind('#register', '/v1/auth/register');
$('#signout').addEventListener('click', async () => {
  await api('POST', '/v1/auth/logout').catch(() => undefined);
  session.clear();
  await showMe();
});
$('#signout-others').addEventListener(
  'click',
  () => void endSessions('/v1/me/sessions?keep=current', 'Signed out everywhere else.'),
);
void showMe();
void renderHeader();
