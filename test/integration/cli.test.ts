import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../tools/local/processes.js';
import { createTestDatabase, TEST_REDIS, type TestDatabase } from '../support/env.js';

/**
 * Every command a README or a page tells someone to run, run as they would (`npm run -s <name>
 * -- …`): `--help` prints the usage and exits 0 without doing anything else; a flag it does not
 * know, or a value it cannot use, is named in one line with the usage and exits 2, never with a
 * stack trace.
 */

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let db: TestDatabase;
let dataDir: string;
beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(join(tmpdir(), 'fd-cli-'));
});
afterAll(async () => {
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

/** `npm run -s <script> -- …args`, on the test's own database: a command that did more than print would leave a trace there. */
function npmRun(script: string, args: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['run', '-s', script, '--', ...args],
      {
        timeout: 60_000,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          DATABASE_URL: db.url,
          REDIS_URL: TEST_REDIS,
          REDIS_PREFIX: `fdt:${db.name}:`,
          DATA_DIR: dataDir,
          LOG_LEVEL: 'warn',
          ...extraEnv,
        },
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const STACK_FRAME = /^\s+at .+[:(]/m;

/** Each command with a flag it does not take and a value it cannot use. */
const commands: { script: string; usage: RegExp; badValue: string[]; badValueSays: RegExp }[] = [
  {
    script: 'verify-lottery',
    usage: /^npm run verify-lottery -- --event <id>/,
    badValue: ['--url', 'localhost'],
    badValueSays: /^--event is required/,
  },
  {
    script: 'verify-receipt',
    usage: /^npm run verify-receipt -- --file/,
    badValue: ['--file', 'receipts.json'],
    badValueSays: /^give --key \(a PEM file\) or --url/,
  },
  {
    script: 'cluster',
    usage: /^npm run cluster -- \[--nodes N\]/,
    badValue: ['--nodes', 'many'],
    badValueSays: /^--nodes: expected a whole number from 1 to 64, got "many"\./,
  },
  {
    script: 'seed',
    usage: /^npm run seed\n/,
    badValue: ['extra-word'],
    badValueSays: /^Unexpected argument 'extra-word'/,
  },
  {
    script: 'drop',
    usage: /^npm run drop -- \[options\]/,
    badValue: ['--mode', 'sideways'],
    badValueSays: /^--mode: /,
  },
  {
    script: 'keygen',
    usage: /^npm run keygen\n/,
    badValue: ['now'],
    badValueSays: /^Unexpected argument 'now'/,
  },
  {
    script: 'db:migrate',
    usage: /^npm run db:migrate\n/,
    badValue: ['--to', '3'],
    badValueSays: /^Unknown option '--to'\./,
  },
  {
    script: 'admin',
    usage: /^npm run admin -- <command>/,
    badValue: ['promote', '--email', 'not-an-address'],
    badValueSays: /^--email: "not-an-address" is not an email address\./,
  },
];

describe('every CLI answers --help and refuses a bad command line', () => {
  it.each(commands)(
    '$script: --help prints the usage (exit 0); an unknown flag and a bad value exit 2 with one line, no stack',
    { timeout: 120_000 },
    async ({ script, usage, badValue, badValueSays }) => {
      const [help, unknown, bad] = await Promise.all([
        npmRun(script, ['--help']),
        npmRun(script, ['--no-such-flag']),
        npmRun(script, badValue),
      ]);
      expect(help, help.stderr).toMatchObject({ code: 0, stderr: '' });
      expect(help.stdout).toMatch(usage);
      expect(help.stdout).toMatch(/-h, --help/);

      expect(unknown.code, unknown.stdout + unknown.stderr).toBe(2);
      expect(unknown.stderr).toBe(`Unknown option '--no-such-flag'.\n\n${help.stdout}`);
      expect(unknown.stderr).not.toMatch(STACK_FRAME);

      expect(bad.code, bad.stdout + bad.stderr).toBe(2);
      expect(bad.stderr).toMatch(badValueSays);
      expect(bad.stderr.endsWith(`\n\n${help.stdout}`)).toBe(true);
      expect(bad.stderr).not.toMatch(STACK_FRAME);
    },
  );

  it('seed -- --help seeds nothing: the database stays empty; -h is --help', { timeout: 60_000 }, async () => {
    const [long, short] = await Promise.all([npmRun('seed', ['--help']), npmRun('seed', ['-h'])]);
    expect(long.code).toBe(0);
    expect(short).toEqual(long);
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      const [users] = await sql<{ n: number }[]>`select count(*)::int as n from users`;
      const [events] = await sql<{ n: number }[]>`select count(*)::int as n from events`;
      expect({ users: users!.n, events: events!.n }).toEqual({ users: 0, events: 0 });
    } finally {
      await sql.end();
    }
  });

  it(
    'keygen prints one usable key; verify-lottery says when it cannot reach the server',
    { timeout: 60_000 },
    async () => {
      const key = await npmRun('keygen', []);
      expect(key.code).toBe(0);
      expect(key.stdout).toMatch(/^[A-Za-z0-9+/]{40,}={0,2}\n$/);
      const closed = await freePort();
      const down = await npmRun('verify-lottery', ['--event', 'e1', '--url', `http://127.0.0.1:${closed}`]);
      expect(down.code).toBe(2);
      expect(down.stderr).toContain(`cannot reach http://127.0.0.1:${closed}: connect ECONNREFUSED`);
      expect(down.stderr).not.toMatch(STACK_FRAME);
      expect(JSON.parse(down.stdout.trim().split('\n').at(-1)!)).toMatchObject({ ok: false });
    },
  );
});

describe('npm run seed, twice', () => {
  const lines = (run: Run) =>
    (run.stdout + run.stderr)
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; events?: number; accounts?: number });

  it(
    'loads the demo data, then says it is already there with its count (not "events: 0")',
    { timeout: 240_000 },
    async () => {
      const first = await npmRun('seed', [], { LOG_LEVEL: 'info' });
      expect(first.code, first.stderr).toBe(0);
      expect(lines(first)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ msg: 'demo accounts created', accounts: 4 }),
          expect.objectContaining({ msg: 'demo catalogue loaded', events: 340 }),
        ]),
      );
      const second = await npmRun('seed', [], { LOG_LEVEL: 'info' });
      expect(second.code, second.stderr).toBe(0);
      const said = lines(second);
      expect(said).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ msg: 'demo accounts already there', accounts: 0 }),
          expect.objectContaining({ msg: 'demo catalogue already loaded', events: 340 }),
        ]),
      );
      expect(said.some((l) => l.msg === 'demo catalogue loaded')).toBe(false);
    },
  );
});
