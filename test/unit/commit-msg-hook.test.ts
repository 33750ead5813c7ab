import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'fairdrop-commit-msg-'));
function hook(message: string) {
  const file = join(dir, `msg-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, message);
  return spawnSync('sh', ['.githooks/commit-msg', file], { encoding: 'utf8' });
}

describe('the commit-msg hook (.githooks, installed by npm ci)', () => {
  it('takes a subject of 72 characters, with any body, and refuses one of 73', () => {
    expect(hook(`${'a'.repeat(72)}\n\n${'b'.repeat(300)}\n`).status).toBe(0);
    const refused = hook(`${'a'.repeat(73)}\n`);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('73 characters');
  });

  it('reads the subject after the comment lines git may put first', () => {
    expect(hook(`# Please enter the commit message\n${'a'.repeat(40)}\n`).status).toBe(0);
    expect(hook(`# a comment\n${'a'.repeat(90)}\n`).status).toBe(1);
  });
});
