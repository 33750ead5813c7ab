import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasKey, LOCALES, NAMESPACES, resources } from '../../src/i18n/index.js';
import { renderPage } from '../../src/http/web-pages.js';
import { accessibilityFeatures, categories } from '../../src/shared/vocabulary.js';
import { availabilityStates } from '../../src/discovery/discovery.schemas.js';

/**
 * The catalogues are complete: every namespace in every language with the same messages, the
 * same placeholders and the plural forms the language needs; every key a page or a script
 * uses exists. A missing message would show a fan a key, or English on a German page.
 */
const PLURAL = /_(zero|one|two|few|many|other)$/;

function flatten(tree: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree as Record<string, unknown>)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else if (value && typeof value === 'object') for (const [k, v] of flatten(value, path)) out.set(k, v);
    else throw new Error(`${path} is neither a message nor a group`);
  }
  return out;
}

const placeholders = (text: string) => [...text.matchAll(/\{\{\s*([\w.]+)/g)].map((m) => m[1]).sort();

const messages = (locale: string, ns: string) => flatten((resources[locale] as Record<string, unknown>)[ns] ?? {});

function filesUnder(dir: string, ext: RegExp): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path, ext) : ext.test(name) ? [path] : [];
  });
}

describe('message catalogues', () => {
  it.each(NAMESPACES.map((ns) => [ns]))('%s: the same messages and placeholders in every language', (ns) => {
    const english = messages('en', ns);
    const bases = new Set([...english.keys()].filter((k) => PLURAL.test(k)).map((k) => k.replace(PLURAL, '')));
    for (const locale of LOCALES.filter((l) => l !== 'en')) {
      const theirs = messages(locale, ns);
      const categories = new Intl.PluralRules(locale).resolvedOptions().pluralCategories;
      const expected = new Set([...english.keys()].filter((k) => !PLURAL.test(k)));
      for (const base of bases) for (const c of categories) expected.add(`${base}_${c}`);
      const missing = [...expected].filter((k) => !theirs.has(k));
      const extra = [...theirs.keys()].filter((k) => !expected.has(k));
      expect({ locale, missing, extra }).toEqual({ locale, missing: [], extra: [] });
      for (const [key, text] of theirs) {
        expect(text.trim(), `${locale}/${ns}.json ${key} is empty`).not.toBe('');
        const source = english.get(key) ?? english.get(`${key.replace(PLURAL, '')}_other`)!;
        expect(placeholders(text), `${locale}/${ns}.json ${key}: placeholders`).toEqual(placeholders(source));
      }
    }
  });

  it('has every key the pages name, and renders every page in every language', () => {
    const pagesDir = 'web/pages';
    const layout = readFileSync(`${pagesDir}/_layout.html`, 'utf8');
    for (const file of readdirSync(pagesDir).filter((f) => f.endsWith('.html') && !f.startsWith('_'))) {
      const source = readFileSync(join(pagesDir, file), 'utf8');
      for (const [, key] of source.matchAll(/\{\{(?:t|html):([\w-]+:[\w.-]+)\}\}/g)) {
        expect(hasKey(key!), `web/pages/${file} names ${key}`).toBe(true);
      }
      for (const locale of LOCALES) {
        const html = renderPage(layout, { name: file.replace('.html', ''), source, hasScript: true }, locale);
        expect(html).toContain(`<html lang="${locale}">`);
        expect(html, `web/pages/${file} in ${locale} leaves a placeholder`).not.toMatch(/\{\{(t|html):/);
      }
    }
  });

  it('names every category, accessibility feature and sale state (keys made from the value)', () => {
    for (const c of categories) expect(hasKey(`common:category.${c}`), c).toBe(true);
    for (const f of accessibilityFeatures) expect(hasKey(`common:accessibility.${f}`), f).toBe(true);
    for (const s of availabilityStates) expect(hasKey(`common:availability.${s}`), s).toBe(true);
  });

  it('has every key the scripts and the server use', () => {
    const sources = [...filesUnder('web/src', /\.ts$/), ...filesUnder('src', /\.ts$/)];
    const used: string[] = [];
    for (const file of sources) {
      // Code only: comments quote keys as examples.
      const text = readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => !/^\s*(\*|\/\/|\/\*\*)/.test(line))
        .join('\n');
      // Literal keys, namespace first: t('queue:where.first'), say('mail:turn.subject', …).
      for (const [, key] of text.matchAll(/\b(?:t|tr|translate|say)\(\s*'([\w-]+:[\w.-]+)'/g)) {
        used.push(key!);
        expect(hasKey(key!), `${file} uses ${key}`).toBe(true);
      }
    }
    expect(used.length).toBeGreaterThan(500);
  });
});
