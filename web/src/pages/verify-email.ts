import { api, ApiError } from '../lib/api.js';
import { $, setStatus } from '../lib/dom.js';
import { renderHeader } from '../lib/layout.js';

void renderHeader();

// The token arrives in the URL fragment, so it never reaches a server log or a Referer header.
const token = new URLSearchParams(location.hash.slice(1)).get('token');
const result = $('#result');
if (!token) {
  setStatus(result, 'bad', 'This link has no token. Open the link from the mail again.');
} else {
  try {
    const me = await api<{ displayName: string }>('POST', '/v1/auth/verify-email', { token });
    setStatus(result, 'ok', `Thank you, ${me.displayName}: your email is confirmed.`);
  } catch (err) {
    setStatus(result, 'bad', err instanceof ApiError ? err.describe() : 'Network error; try again.');
  }
  history.replaceState(null, '', location.pathname);
}
