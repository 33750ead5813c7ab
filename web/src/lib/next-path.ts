/**
 * Where a page sends a fan once they have signed in: `next` (account.html?next=/event.html?id=…)
 * when it is a path on this site, never anything else. An address of another site would make
 * Fairdrop's own sign-in page a springboard to a look-alike (an open redirect); so `next` must
 * be a relative path that resolves to this origin, checked after the URL parser has had its say
 * (it drops tabs and newlines and reads `\` as `/`, which is how `/\evil.example` and `/\t/evil`
 * would otherwise slip through as `//evil.example`). The answer is the absolute address: a path
 * that normalises to `//evil.example` (`/.//evil.example`) would, given back as a path, be read
 * as another host.
 */
export function sameOriginUrl(raw: string | null | undefined, origin: string): string | null {
  if (!raw || !raw.startsWith('/')) return null;
  let url: URL;
  try {
    url = new URL(raw, origin);
  } catch {
    return null;
  }
  if (url.origin !== origin) return null;
  return url.href;
}

/** The sign-in page's address that brings the fan back here afterwards. */
export function signInHref(here: { pathname: string; search: string; hash?: string }): string {
  return `/account.html?next=${encodeURIComponent(`${here.pathname}${here.search}${here.hash ?? ''}`)}`;
}
