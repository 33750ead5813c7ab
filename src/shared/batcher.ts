/**
 * Group commit for many small writes of the same shape: the calls made while one batch is being
 * written are written together by the next one, so N concurrent callers cost one round trip
 * instead of N, and a lone caller waits only for the current turn of the event loop.
 *
 * `write` takes the items in call order and answers one result per item, in the same order.
 * If it fails, each item of the batch is written again on its own, so one bad item fails only
 * its own caller.
 */
export class Batcher<Item, Result> {
  private queue: { item: Item; resolve: (r: Result) => void; reject: (e: unknown) => void }[] = [];
  private draining = false;

  constructor(
    private readonly write: (items: readonly Item[]) => Promise<readonly Result[]>,
    /** The most items one write carries. */
    private readonly max = 200,
  ) {}

  run(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.max);
      try {
        const results = await this.write(batch.map((b) => b.item));
        batch.forEach((b, i) => b.resolve(results[i]!));
      } catch (err) {
        if (batch.length === 1) batch[0]!.reject(err);
        else await Promise.all(batch.map((b) => this.write([b.item]).then(([r]) => b.resolve(r!), b.reject)));
      }
    }
    this.draining = false;
  }
}
