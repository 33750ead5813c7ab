import { describe, expect, it } from 'vitest';
import { SharedCopies } from '../../src/shared/shared-copies.js';

/** A load the test settles by hand, counting how often it was started. */
function loads() {
  const started: { resolve(v: string): void; reject(e: Error): void }[] = [];
  const load = () => new Promise<string>((resolve, reject) => started.push({ resolve, reject }));
  return { started, load };
}

describe('SharedCopies', () => {
  it('shares one load among every caller, the ones that come while it runs included', async () => {
    const copies = new SharedCopies<string>(1_000);
    const { started, load } = loads();
    const answers = Array.from({ length: 20 }, () => copies.get('ev', load));
    started[0]!.resolve('v1');
    expect(await Promise.all(answers)).toEqual(Array(20).fill('v1'));
    expect(await copies.get('ev', load)).toBe('v1');
    expect(started).toHaveLength(1);
  });

  it('loads anew when fresh, and an older load finishing later does not replace the fresh copy', async () => {
    const copies = new SharedCopies<string>(1_000);
    const { started, load } = loads();
    const stale = copies.get('ev', load);
    const fresh = copies.get('ev', load, true);
    started[1]!.resolve('fresh');
    started[0]!.resolve('stale');
    expect([await stale, await fresh]).toEqual(['stale', 'fresh']);
    expect(await copies.get('ev', load)).toBe('fresh');
    expect(started).toHaveLength(2);
  });

  it('drops a failed load, and a copy past its time, so the next caller loads again', async () => {
    const copies = new SharedCopies<string>(30);
    const { started, load } = loads();
    const failed = copies.get('ev', load);
    started[0]!.reject(new Error('db down'));
    await expect(failed).rejects.toThrow('db down');
    const retried = copies.get('ev', load);
    started[1]!.resolve('v2');
    expect(await retried).toBe('v2');
    await new Promise((r) => setTimeout(r, 40));
    void copies.get('ev', load);
    expect(started).toHaveLength(3);
    copies.forget('ev');
    void copies.get('ev', load);
    expect(started).toHaveLength(4);
  });
});
