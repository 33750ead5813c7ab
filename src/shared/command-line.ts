import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * The command-line contract every Fairdrop command keeps (`npm run admin`, and the tools'
 * `npm run drop`, `verify-lottery`, `cluster`…): `--help` (or `-h`) prints the usage on stdout and
 * exits 0 before the command does anything; an unknown flag, a missing value or a bad value
 * prints one line naming it and the usage on stderr and exits 2, never a stack trace. Built on
 * node:util's parseArgs, so a command declares its flags once.
 */

/** Exit code for a command line the command cannot run (as POSIX shells and getopt tools use it). */
export const USAGE_EXIT = 2;

type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandSpec<O extends Options> {
  /** The usage text: the command, what it does, every flag; printed by --help and after a mistake. */
  usage: string;
  options: O;
  /** Words after the flags (a subcommand); refused unless allowed. */
  allowPositionals?: boolean;
}

/** Where a command writes and how it ends; the process by default, something else in tests. */
export interface CommandIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  exit(code: number): never;
}

const processIo: CommandIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  exit: (code) => process.exit(code),
};

export interface Parsed<O extends Options> {
  values: { [K in keyof O]?: O[K] extends { type: 'boolean' } ? boolean : string };
  positionals: string[];
  /** Ends the command with a usage error (stderr, exit 2) for a value the flags' types let through. */
  fail(message: string): never;
}

/**
 * Parses argv (without node and the script) against the spec. Answers --help and refuses a bad
 * command line itself (the process exits); returns the values otherwise.
 */
export function parseCommandLine<const O extends Options>(
  spec: CommandSpec<O>,
  argv: string[] = process.argv.slice(2),
  io: CommandIo = processIo,
): Parsed<O> {
  const usage = spec.usage.endsWith('\n') ? spec.usage : `${spec.usage}\n`;
  const fail = (message: string): never => {
    io.stderr.write(`${message}\n\n${usage}`);
    return io.exit(USAGE_EXIT);
  };
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...spec.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: spec.allowPositionals ?? false,
      strict: true,
    });
  } catch (err) {
    // --help wins over a mistake next to it: whoever typed it wants the usage.
    if (argv.includes('--help') || argv.includes('-h')) return help(io, usage);
    return fail(plainMessage(err));
  }
  if (parsed.values.help) return help(io, usage);
  return { values: parsed.values as Parsed<O>['values'], positionals: parsed.positionals, fail };
}

function help(io: CommandIo, usage: string): never {
  io.stdout.write(usage);
  return io.exit(0);
}

/** parseArgs' message without its advice about '--' (the usage that follows says what is valid). */
function plainMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('. To specify a positional argument')[0]!.replace(/\.?$/, '.');
}
