/**
 * A postgres.js `debug` hook for one pool: counts the statements sent while counting is on, and
 * keeps their text while a trace is open. postgres.js calls it once per statement executed
 * (BEGIN and COMMIT included, prepared or not), which is what "statements per purchase" counts.
 */
export class StatementLog {
  private counting = false;
  private count = 0;
  private traced: string[] | null = null;

  readonly debug = (_connection: number, query: string): void => {
    if (this.counting) this.count++;
    this.traced?.push(query);
  };

  /** Statements per operation over `run`, which performs `ops` operations. */
  async perOp<T>(ops: number, run: () => Promise<T>): Promise<{ result: T; perOp: number }> {
    this.count = 0;
    this.counting = true;
    try {
      const result = await run();
      return { result, perOp: Math.round((this.count / ops) * 10) / 10 };
    } finally {
      this.counting = false;
    }
  }

  /** The statements `step` sends, in the order sent. */
  async trace(step: () => Promise<unknown>): Promise<string[]> {
    this.traced = [];
    try {
      await step();
      return this.traced;
    } finally {
      this.traced = null;
    }
  }
}

/** One line per statement: numbered, whitespace folded, cut at 150 characters. */
export function traceLines(title: string, statements: readonly string[]): string {
  const lines = statements.map((s, i) => {
    const folded = s.replace(/\s+/g, ' ').trim();
    const cut = folded.length > 150 ? `${folded.slice(0, 149)}…` : folded;
    return `  ${String(i + 1).padStart(3)}. ${cut}`;
  });
  return [`${title}: ${statements.length} statements`, ...lines].join('\n');
}
