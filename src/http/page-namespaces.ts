import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { NAMESPACES } from '../i18n/index.js';

/**
 * The catalogue namespaces a page's script uses: `common` and every namespace named as a key's
 * prefix (`'queue:where.first'`, `` `problems:${code}` ``) in a string of any module the page's
 * entry (web/src/pages/<name>.ts) imports, followed through relative imports. The page embeds
 * those and no others, so the waiting room does not carry the organizer's words.
 */
const IMPORT =
  /(?:^|[\s;])(?:import|export)\s(?!type\s)[^'"`;]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;
const KEY = /['"`]([\w-]+):[\w.${]/g;

export async function pageNamespaces(entry: string): Promise<string[]> {
  const found = new Set<string>(['common']);
  const seen = new Set<string>();
  const visit = async (file: string): Promise<void> => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = await readFile(file, 'utf8').catch(() => null);
    if (text === null) return;
    // Code only: comments quote keys as examples.
    const source = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    for (const [, ns] of source.matchAll(KEY)) if (NAMESPACES.includes(ns!)) found.add(ns!);
    const imports = [...source.matchAll(IMPORT)].map((m) =>
      resolve(dirname(file), (m[1] ?? m[2])!.replace(/\.js$/, '.ts')),
    );
    await Promise.all(imports.map(visit));
  };
  await visit(entry);
  return [...found].sort();
}
