// The token arrives in the URL fragment, so it never reaches a server log or a Referer header.
const token = new URLSearchParams(location.hash.slice(1)).get('token');
const result = document.querySelector('#result');
if (!token) {
  result.textContent = 'This link has no token. Open the link from the mail again.';
  result.className = 'status bad';
} else {
  const res = await fetch('/v1/auth/verify-email', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  const data = await res.json();
  result.textContent = res.ok ? `Thank you, ${data.displayName}: your email is confirmed.` : data.detail;
  result.className = res.ok ? 'status ok' : 'status bad';
  history.replaceState(null, '', location.pathname);
}
