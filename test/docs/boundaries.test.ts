import { cruise, type ICruiseResult, type IViolation } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { describe, expect, it } from 'vitest';

/**
 * The module boundaries of .dependency-cruiser.cjs, checked in `npm test` (CI runs exactly
 * that) as `npm run lint` checks them: the same config, the same folders, no violation
 * tolerated. A violation fails here with the rule's name and the import that broke it.
 */

const FOLDERS = ['src', 'queue', 'tools', 'bench', 'test', 'web/src'];
const CONFIG = './.dependency-cruiser.cjs';
const describeViolation = (v: IViolation) =>
  `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (cycle: ${v.cycle.map((c) => c.name).join(' → ')})` : ''}`;

describe('module boundaries (.dependency-cruiser.cjs)', () => {
  it('no import breaks a rule', { timeout: 120_000 }, async () => {
    const options = await extractDepcruiseOptions(CONFIG);
    const result = await cruise(
      FOLDERS,
      { ...options, outputType: 'json' },
      {},
      { tsConfig: extractTSConfig('tsconfig.json') },
    );
    const output = (typeof result.output === 'string' ? JSON.parse(result.output) : result.output) as ICruiseResult;
    const fresh = output.summary.violations.filter((v) => v.rule.severity !== 'ignore');
    expect(output.summary.totalCruised).toBeGreaterThan(300);
    expect(
      fresh.map(describeViolation),
      'boundary violations: fix the import (each rule says how)',
    ).toEqual([]);
  });
});
