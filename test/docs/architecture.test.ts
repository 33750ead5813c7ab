import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * docs/architecture.md points at the code: a reader finds each component's file from it, and
 * each claim names the test that shows it. This keeps both kinds of pointer true: every path
 * in backticks under the project's code folders must exist (a glob must match something), and
 * every test title quoted after `` `test/….test.ts` › `` must be in that file.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const doc = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
/** Inline code only: fenced blocks (SQL, diagrams) hold no file pointers. */
const prose = doc.replace(/^```[^\n]*\n[\s\S]*?^```\s*$/gm, '');
const CODE_DIRS = /^(src|queue|tools|web|test|bench|drizzle|deploy)\//;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === 'node_modules' || e.name.startsWith('.')) return [];
    const path = join(dir, e.name);
    return e.isDirectory() ? [path, ...walk(path)] : [path];
  });
}

/** `**` crosses folders, `*` stays inside one name. */
function globMatches(pattern: string): string[] {
  const base = pattern.slice(0, pattern.indexOf('*')).replace(/[^/]*$/, '');
  const source = pattern
    .split(/(\*\*\/|\*)/)
    .map((part) => (part === '**/' ? '(?:.*/)?' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  const re = new RegExp(`^${source}$`);
  return walk(join(ROOT, base)).map((p) => relative(ROOT, p)).filter((p) => re.test(p));
}

export function pathsIn(markdown: string): string[] {
  const spans = [...markdown.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!.trim());
  return [...new Set(spans.filter((s) => CODE_DIRS.test(s) && !/\s|</.test(s)))];
}

/** `` `test/x.test.ts` › “title”, “title” and “title” `` → the file and each title. */
export function titleReferences(markdown: string): { file: string; title: string }[] {
  const refs: { file: string; title: string }[] = [];
  for (const m of markdown.matchAll(/`(test\/[^`]+?\.test\.ts)`\s*›\s*((?:“[^”]+”(?:\s*,\s*|\s+and\s+)?)+)/g)) {
    for (const t of m[2]!.matchAll(/“([^”]+)”/g)) refs.push({ file: m[1]!, title: t[1]!.replace(/\s+/g, ' ').trim() });
  }
  return refs;
}

describe('docs/architecture.md pointers', () => {
  it('every path it names under src/, queue/, tools/, web/, test/, bench/, drizzle/ and deploy/ exists', () => {
    const paths = pathsIn(prose);
    expect(paths.length).toBeGreaterThan(50);
    const missing = paths.filter((p) => {
      if (p.includes('*')) return globMatches(p).length === 0;
      const full = join(ROOT, p);
      return !existsSync(full) || (p.endsWith('/') && !statSync(full).isDirectory());
    });
    expect(missing, `named in docs/architecture.md but not in the repository (moved or deleted? update the document):\n${missing.join('\n')}`).toEqual([]);
  });

  it('every test title it quotes is in the test file named before it', () => {
    const refs = titleReferences(prose);
    expect(refs.length).toBeGreaterThan(40);
    const absent = refs.filter(({ file, title }) => {
      const full = join(ROOT, file);
      return !existsSync(full) || !readFileSync(full, 'utf8').replace(/\s+/g, ' ').includes(title);
    });
    // A renamed or removed test lands here: change the quote in docs/architecture.md to the new title
    // (or to the test that now shows the claim), so the document keeps naming real evidence.
    expect(absent.map((r) => `${r.file} › “${r.title}”`), 'quoted in docs/architecture.md but not in that test file: update the document').toEqual([]);
  });
});
