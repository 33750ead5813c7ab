import { api, ApiError, session } from '../lib/api.js';
import { $, formValues, setStatus } from '../lib/dom.js';
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
void showMe();
void renderHeader();
