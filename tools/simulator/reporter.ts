/**
 * What the simulator prints. It is a CLI, so it writes to stdout rather than the JSON logger:
 * on a terminal the progress is one line rewritten in place; in a pipe or CI log it becomes a
 * line every few seconds, so the log stays readable.
 */

export interface Reporter {
  /** A line of narration (deployment up, event created…). */
  info(line: string): void;
  /** The live status; cheap to call often, the reporter decides what reaches the screen. */
  progress(text: string): void;
  /** The final summary block. */
  summary(text: string): void;
}

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export function terminalReporter(
  out: Output = process.stdout,
  options: { quiet?: boolean; everyMs?: number } = {},
): Reporter {
  const tty = Boolean(out.isTTY);
  const everyMs = options.everyMs ?? 5_000;
  let showing = false;
  let lastLine = 0;
  const clear = () => {
    if (tty && showing) out.write('\r\x1b[2K');
    showing = false;
  };
  return {
    info: (line) => {
      if (options.quiet) return;
      clear();
      out.write(`${line}\n`);
    },
    progress: (text) => {
      if (options.quiet) return;
      if (tty) {
        const width = Math.max(20, (out.columns ?? 120) - 1);
        out.write(`\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
        showing = true;
      } else if (Date.now() - lastLine >= everyMs) {
        lastLine = Date.now();
        out.write(`${text}\n`);
      }
    },
    summary: (text) => {
      clear();
      out.write(`\n${text}\n`);
    },
  };
}

/** A reporter that keeps everything (tests). */
export function memoryReporter(): Reporter & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (l) => void lines.push(l), progress: () => {}, summary: (t) => void lines.push(t) };
}
