import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch } from '../browser/browser.js';

/**
 * The diagrams in docs/architecture.md must render where people read them (GitHub, GitLab and
 * most code hosts run Mermaid in the browser). Each ```mermaid block is parsed by the real
 * Mermaid library, loaded from its npm package's browser bundle into Debian's Chromium, so a
 * syntax error fails CI instead of showing up as a broken picture.
 */

const DOC = new URL('../../docs/architecture.md', import.meta.url);
const MERMAID = createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js');

export function mermaidBlocks(markdown: string): { line: number; text: string }[] {
  const blocks: { line: number; text: string }[] = [];
  for (const match of markdown.matchAll(/^```mermaid[^\n]*\n([\s\S]*?)^```\s*$/gm)) {
    blocks.push({ line: markdown.slice(0, match.index).split('\n').length, text: match[1]! });
  }
  return blocks;
}

describe('docs/architecture.md diagrams', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('every ```mermaid block parses with the Mermaid library in Chromium', async () => {
    const blocks = mermaidBlocks(readFileSync(DOC, 'utf8'));
    expect(blocks.length).toBeGreaterThanOrEqual(10);
    const page = await browser.newPage();
    await page.goto('about:blank');
    await page.addScriptTag({ path: MERMAID });
    const failures: string[] = [];
    for (const block of blocks) {
      const error = await page.evaluate(async (text) => {
        const mermaid = (window as unknown as { mermaid: { initialize(c: object): void; parse(t: string): Promise<unknown> } }).mermaid;
        mermaid.initialize({ startOnLoad: false });
        try {
          await mermaid.parse(text);
          return null;
        } catch (err) {
          return err instanceof Error ? err.message : String(err);
        }
      }, block.text);
      if (error !== null) failures.push(`block at line ${block.line} (${block.text.split('\n')[0]}):\n${error}`);
    }
    await page.close();
    expect(failures, failures.join('\n\n')).toEqual([]);
  });
});
