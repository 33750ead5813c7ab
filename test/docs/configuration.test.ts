import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configVariables } from '../../src/config.js';

/** docs/configuration.md is the operator's list of variables: it must name each one the config parses, and no other. */
const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
const documented = new Set(
  doc
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...line.split('|')[1]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!)),
);

describe('docs/configuration.md', () => {
  it('documents every variable src/config.ts parses, and none it does not', () => {
    expect(configVariables.filter((v) => !documented.has(v))).toEqual([]);
    expect([...documented].filter((v) => !configVariables.includes(v))).toEqual([]);
  });
});
