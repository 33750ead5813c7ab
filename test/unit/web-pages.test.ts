import { describe, expect, it } from 'vitest';
import { renderPage } from '../../src/http/web-pages.js';

/** The layout renderer: the page's title, script and main in the layout's three slots. */

const layout = '<head>\n  <title>{{title}} — Fairdrop</title>\n  {{script}}\n</head>\n<body>\n{{main}}\n</body>\n';

describe('renderPage', () => {
  it('fills the title (escaped), the page bundle and the main, and keeps a $ in the page as text', () => {
    const html = renderPage(layout, {
      name: 'queue',
      source: '<!-- title: Rock & <Roll> -->\n  <main>$& costs $1</main>\n',
      hasScript: true,
    });
    expect(html).toBe(
      '<head>\n  <title>Rock &amp; &lt;Roll&gt; — Fairdrop</title>\n' +
        '  <script type="module" src="/assets/queue.js"></script>\n</head>\n<body>\n  <main>$& costs $1</main>\n</body>\n',
    );
  });

  it('leaves the script line out for a page without a bundle', () => {
    const html = renderPage(layout, {
      name: 'plain',
      source: '<!-- title: Plain -->\n<main></main>\n',
      hasScript: false,
    });
    expect(html).not.toContain('script');
    expect(html).toContain('<title>Plain — Fairdrop</title>\n</head>');
  });

  it('refuses a page without its title line', () => {
    expect(() => renderPage(layout, { name: 'untitled', source: '<main></main>\n', hasScript: false })).toThrow(
      /web\/pages\/untitled\.html must start with <!-- title:/,
    );
  });
});
