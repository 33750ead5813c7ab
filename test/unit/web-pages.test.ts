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
      namespaces: [],
    });
    expect(html).toBe(
      '<head>\n  <title>Rock &amp; &lt;Roll&gt; — Fairdrop</title>\n' +
        '  <script type="application/json" id="fd-i18n">{"lng":"en","resources":{}}</script>\n' +
        '  <script type="module" src="/assets/queue.js"></script>\n</head>\n<body>\n  <main>$& costs $1</main>\n</body>\n',
    );
  });

  it('writes the messages in the language asked: text escaped, a message with markup as it is', () => {
    const page = {
      name: 'plain',
      source:
        '<!-- title: {{t:common:notFound.title}} -->\n<main>{{t:common:forms.line}} {{html:common:links.findEvents}}</main>\n',
      hasScript: false,
    };
    const german = renderPage('<html lang="{{lang}}"><title>{{title}}</title>{{languages}}{{main}}', page, 'de');
    expect(german).toContain('<html lang="de"><title>Seite nicht gefunden</title>');
    expect(german).toContain('<main>Zeile {{line}}: {{message}} Veranstaltungen finden</main>');
    // The switcher: each language in its own words, the page's marked current.
    expect(german).toContain('<a href="?lang=de" hreflang="de" lang="de" aria-current="true">Deutsch</a>');
    expect(german).toContain('<a href="?lang=es" hreflang="es" lang="es">Español</a>');
    expect(() =>
      renderPage(layout, { name: 'typo', source: '<!-- title: x -->\n{{t:common:no.such.key}}\n', hasScript: false }),
    ).toThrow(/web\/pages\/typo\.html: no message common:no\.such\.key/);
  });

  it('embeds only the namespaces the page’s script uses, with no way out of the JSON block', () => {
    const html = renderPage(layout, {
      name: 'queue',
      source: '<!-- title: Q -->\n<main></main>\n',
      hasScript: true,
      namespaces: ['common', 'queue'],
    });
    const block = /<script type="application\/json" id="fd-i18n">(.*)<\/script>/.exec(html)![1]!;
    expect(block).not.toContain('<');
    expect(Object.keys((JSON.parse(block) as { resources: object }).resources)).toEqual(['common', 'queue']);
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
