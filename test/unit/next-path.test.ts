import { describe, expect, it } from 'vitest';
import { sameOriginUrl, signInHref } from '../../web/src/lib/next-path.js';

const origin = 'https://tickets.example';

describe('where signing in may send a fan back to', () => {
  it('a path on this site, with its query and fragment', () => {
    expect(sameOriginUrl('/event.html?id=abc#buy', origin)).toBe(`${origin}/event.html?id=abc#buy`);
    expect(signInHref({ pathname: '/event.html', search: '?id=abc' })).toBe(
      '/account.html?next=%2Fevent.html%3Fid%3Dabc',
    );
  });

  it('never another site, however the address is dressed up', () => {
    for (const next of [
      null,
      '',
      'https://evil.example/',
      '//evil.example/',
      '/\\evil.example/',
      '/\t/evil.example/',
      '\\\\evil.example',
      'javascript:alert(1)',
      'event.html',
    ])
      expect(sameOriginUrl(next, origin), String(next)).toBeNull();
    // A path the parser normalises to `//host` comes back absolute, on this origin.
    expect(new URL(sameOriginUrl('/.//evil.example/x', origin)!).origin).toBe(origin);
  });
});
