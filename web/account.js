// Sign in, register and sign out against /v1/auth; the session token lives in localStorage.
const TOKEN = 'fairdrop.session';

async function call(method, path, body) {
  const headers = { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() };
  const token = localStorage.getItem(TOKEN);
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const data = res.status === 204 ? null : await res.json();
  if (!res.ok) {
    const fields = (data.errors ?? []).map((e) => `${e.field || e.in}: ${e.message}`).join('; ');
    throw new Error(fields ? `${data.detail} (${fields})` : data.detail);
  }
  return data;
}

function formValues(form) {
  return Object.fromEntries(new FormData(form).entries());
}

async function showMe() {
  const panel = document.querySelector('#signed-in');
  if (!localStorage.getItem(TOKEN)) {
    panel.hidden = true;
    return;
  }
  try {
    const me = await call('GET', '/v1/me');
    document.querySelector('#who').textContent =
      `${me.displayName} (${me.email}) — ${me.roles.join(', ')}${me.emailVerified ? '' : ' — email not verified yet'}`;
    panel.hidden = false;
  } catch {
    localStorage.removeItem(TOKEN);
    panel.hidden = true;
  }
}

function bind(formId, path) {
  const form = document.querySelector(formId);
  const status = form.querySelector('.status');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.className = 'status';
    status.textContent = 'Working…';
    try {
      const session = await call('POST', path, formValues(form));
      localStorage.setItem(TOKEN, session.token);
      status.className = 'status ok';
      status.textContent = `Welcome, ${session.user.displayName}.`;
      await showMe();
    } catch (err) {
      status.className = 'status bad';
      status.textContent = err.message;
    }
  });
}

bind('#signin', '/v1/auth/login');
bind('#register', '/v1/auth/register');
document.querySelector('#signout').addEventListener('click', async () => {
  await call('POST', '/v1/auth/logout').catch(() => undefined);
  localStorage.removeItem(TOKEN);
  await showMe();
});
showMe();
