/**
 * Copies of values that many requests read at once and that may be a little stale (an event's
 * tiers, its seat map, its on-sale): one load per key per `ttlMs`, shared by every caller,
 * including the callers that arrive while it is still loading (single flight). At a drop,
 * thousands of requests a second ask for the same event; one query a second serves them.
 *
 * `fresh` (a reader who just changed the value, or must see every change) loads anew and
 * replaces the copy, so the callers after it share the fresh load, and an older load still
 * under way can never overwrite it. A failed load is dropped, so the next caller tries again.
 */
export class SharedCopies<T> {
  private readonly copies = new Map<string, { at: number; value: Promise<T> }>();

  /** `maxKeys`: a crawler walking every event cannot grow the map without end. */
  constructor(
    private readonly ttlMs: number,
    private readonly maxKeys = 1000,
  ) {}

  get(key: string, load: () => Promise<T>, fresh = false): Promise<T> {
    const now = Date.now();
    const cached = this.copies.get(key);
    if (!fresh && cached && cached.at > now - this.ttlMs) return cached.value;
    const value = load();
    this.copies.set(key, { at: now, value });
    value.catch(() => {
      if (this.copies.get(key)?.value === value) this.copies.delete(key);
    });
    if (this.copies.size > this.maxKeys) this.copies.delete(this.copies.keys().next().value!);
    return value;
  }

  forget(key: string): void {
    this.copies.delete(key);
  }
}
