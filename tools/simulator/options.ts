import { parseArgs } from 'node:util';
import { z } from 'zod';

/**
 * The drop simulator's options. Every count and duration is bounded: the simulator creates
 * real accounts, sockets and orders, and a typo (a million fans, a week-long drop) must be
 * refused rather than fill the disk. Targets are localhost only: this is a rehearsal tool,
 * never a way to load somebody else's servers.
 */

export const arrivalPatterns = ['burst', 'ramp', 'steady'] as const;
export type ArrivalPattern = (typeof arrivalPatterns)[number];
export const dropModes = ['open', 'queue'] as const;
export type DropMode = (typeof dropModes)[number];
export const dropFaults = ['kill-api', 'kill-worker', 'restart-redis'] as const;
export type DropFault = (typeof dropFaults)[number];

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

const fraction = z.coerce.number().min(0).max(1);
const count = (max: number) => z.coerce.number().int().min(0).max(max);

const schema = z
  .object({
    fans: count(200_000).min(1).default(2_000),
    seats: count(50_000).min(2).default(200),
    nodes: count(8).min(1).default(1),
    arrival: z.enum(arrivalPatterns).default('burst'),
    /** Seconds over which fans arrive (ramp, steady); a burst lands in the first tenth of it. */
    arrivalSeconds: z.coerce.number().min(0.1).max(600).default(10),
    abandon: fraction.default(0.1),
    decline: fraction.default(0.05),
    bots: count(50_000).default(0),
    /** How many gift cards the organizer issues before the sale; each goes to one fan. */
    giftCards: count(50_000).default(0),
    /** Share of fans buying for a group (2–6 tickets) with an attendee per ticket. */
    groups: fraction.default(0.1),
    mode: z.enum(dropModes).default('open'),
    target: z
      .url()
      .refine(
        (v) => ['http:', 'https:'].includes(new URL(v).protocol) && LOCAL_HOSTS.has(new URL(v).hostname),
        'must be an http(s) URL on localhost (127.0.0.1, ::1)',
      )
      .optional(),
    reportDir: z.string().min(1).optional(),
    seed: z.coerce
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(1),
    /** Hard cap on the drop itself (from sale start); fans still busy then are stopped. */
    duration: z.coerce.number().min(5).max(3_600).default(300),
    /** Mean think time between steps, in ms (each fan draws around it). */
    thinkMs: z.coerce.number().int().min(0).max(60_000).default(800),
    /**
     * Child processes running the fans (0: one per 10,000 fans, at least 2). Each process holds
     * its fans' sockets, and every process has the same hard open-file limit (20,000 here).
     */
    processes: count(32).default(0),
    /**
     * Waiting fans per API node that hold a websocket; the rest of the crowd polls
     * GET …/queue/me. An API node has one open-file limit too: 15,000 sockets leave room for its
     * HTTP, Postgres and Redis connections under 20,000. With kill-api the budget is cut by
     * (nodes − 1) / nodes, so the survivors can take the dead node's sockets.
     */
    socketsPerNode: count(100_000).default(15_000),
    /**
     * Queue mode: share of fans who are away from the page. They subscribe to Web Push before
     * joining, hold no socket and do not poll, and act on the "your turn" push (or its
     * reminder) after a pause; issue #19 measured polling fans taking a median 46 s to see
     * their turn, and a fifth of a crowd with the page closed is the case the push is for.
     */
    away: fraction.default(0.2),
    /** Mean pause (exponential) between a push reaching an away fan and the fan acting on it. */
    awayReactSeconds: z.coerce.number().min(0).max(600).default(20),
    /** Share of away fans who never act on a push: their purchase tokens expire unused. */
    awayNever: fraction.default(0.1),
    /**
     * An away fan with no push yet looks at the queue page this often (one GET …/queue/me), as
     * someone glancing at their phone would: it sees a sell-out or a closed room and goes home.
     */
    awayLookSeconds: z.coerce.number().min(5).max(600).default(60),
    /** Longest pause between two polls of a fan without a socket (its ETA shortens it, 5 s at least). */
    pollMaxSeconds: z.coerce.number().min(5).max(600).default(60),
    /**
     * Accounts registered through POST /v1/auth/register; the rest (self-started deployments
     * only) are created directly in Postgres with one shared password hash, before the drop.
     * Default: all through the API.
     */
    register: count(200_000).optional(),
    /**
     * Whether a join carries an Idempotency-Key, as the web page sends on every mutation. The
     * join needs none (one entry per account: joining again answers the same entry); `no` plays
     * a client that relies on that.
     */
    joinKey: z.enum(['yes', 'no']).default('yes'),
    /** The on-sale's purchase-token TTL (seconds): a polling fan must see its token before it lapses. */
    tokenTtl: count(3_600).min(60).default(60),
    /** Tickets one account may hold for the event (the on-sale's per-account limit). */
    perAccount: count(50).min(1).default(8),
    /** With --target: an organizer account of that deployment, `email:password`. */
    organizer: z
      .string()
      .regex(/^[^:\s]+@[^:\s]+:.+$/, 'email:password')
      .default('organizer@fairdrop.local:fairdrop-demo'),
    /**
     * With --target: Postgres of that deployment, for the audit and for the fans' verification
     * mails (a queue-mode waiting room takes confirmed addresses; --mode queue needs it).
     */
    databaseUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'a postgres:// URL')
      .optional(),
    /** Queue mode, self-started deployments: admissions per minute. */
    admitPerMinute: count(100_000).min(1).default(6_000),
    /** One fault injected mid-drop into a self-started deployment. */
    fault: z.enum(dropFaults).optional(),
    /** Seconds after sale start at which the fault strikes. */
    faultAt: z.coerce.number().min(0).max(3_600).default(3),
    keep: z.boolean().default(false),
    quiet: z.boolean().default(false),
  })
  .superRefine((v, ctx) => {
    if (v.bots > v.fans)
      ctx.addIssue({ code: 'custom', path: ['bots'], message: 'cannot exceed --fans (bots are part of the crowd)' });
    if (v.giftCards > v.fans) ctx.addIssue({ code: 'custom', path: ['giftCards'], message: 'cannot exceed --fans' });
    if (v.target && v.nodes !== 1)
      ctx.addIssue({ code: 'custom', path: ['nodes'], message: 'applies to self-started deployments, not --target' });
    // Faults kill and restart processes: only ones this run started itself.
    if (v.target && v.fault)
      ctx.addIssue({ code: 'custom', path: ['fault'], message: 'applies to self-started deployments, not --target' });
    // The fans of a killed node move to the others: there must be others.
    if (v.target && v.register !== undefined && v.register < v.fans)
      ctx.addIssue({
        code: 'custom',
        path: ['register'],
        message: 'accounts can be seeded in self-started deployments only',
      });
    if (v.fault === 'kill-api' && v.nodes < 2)
      ctx.addIssue({ code: 'custom', path: ['fault'], message: 'kill-api needs --nodes 2 or more' });
  });

export type DropOptions = z.output<typeof schema>;

export class OptionsError extends Error {
  override name = 'OptionsError';
}

export const usage = `npm run drop -- [options]

  --fans N            simulated accounts, bots included (default 2000, at most 200000)
  --seats N           places on sale: ~70% reserved seats, the rest general admission (default 200)
  --nodes N           API processes of a self-started deployment (default 1)
  --arrival P         burst | ramp | steady (default burst)
  --arrival-seconds S arrival window (default 10)
  --abandon F         share of fans who give up after holding (default 0.1)
  --decline F         share of fans whose first card is declined (default 0.05)
  --bots N            bot clients among the fans: late, many tries, shared accounts (default 0)
  --gift-cards N      gift cards issued by the organizer, one per fan who gets one (default 0)
  --groups F          share of fans buying 2-6 tickets with attendees (default 0.1)
  --mode M            open | queue (default open)
  --target URL        drive an existing deployment on localhost through its public API
  --database-url URL  with --target: its Postgres, read by the oversell audit and for the
                      fans' verification mails (needed with --mode queue)
  --organizer E:P     with --target: an organizer account (default the demo organizer)
  --report-dir DIR    where summary.txt, report.json and report.html go
  --seed N            seeds every random choice (default 1)
  --duration S        cap on the drop in seconds (default 300)
  --think-ms MS       mean think time (default 800)
  --processes N       child processes running the fans (default one per 10,000 fans, at least 2)
  --sockets-per-node N  waiting fans per API node on a websocket; the others poll queue/me
                      (default 15000; cut by (nodes-1)/nodes with kill-api)
  --poll-max-seconds S  longest pause between a polling fan's queue/me requests (default 60)
  --register N        accounts registered through the API; the rest are seeded in Postgres
                      (self-started only; default all through the API)
  --away F            queue mode: share of fans away from the page, told by Web Push
                      (a receiver in the simulator decrypts it) instead of a socket or polling
                      (default 0.2)
  --away-react-seconds S  mean pause before an away fan acts on the push (default 20);
                      a reminder that comes first brings the fan back at once
  --away-never F      share of away fans who never act: their tokens expire (default 0.1)
  --away-look-seconds S  an away fan with no push looks at the page this often (default 60)
  --token-ttl S       queue mode: purchase-token TTL of the on-sale (default 60)
  --join-key yes|no   queue mode: send an Idempotency-Key with each join, as the web page does
                      (default yes; the join is idempotent per account without one)
  --per-account N     per-account ticket limit of the on-sale (default 8)
  --admit-per-minute N  queue mode: admission rate of a self-started on-sale (default 6000)
  --fault F           kill-api | kill-worker | restart-redis, once, mid-drop (self-started only;
                      restart-redis only with the simulator's own Redis, not a REDIS_URL service)
  --fault-at S        seconds after sale start for the fault (default 3)
  --keep              keep the self-started deployment's data directory
  --quiet             no progress display
  -h, --help          this text

Exit code 0: the audit is clean; 1: it found violations or the run failed; 2: bad options.
`;

/** The flags of `npm run drop`, as node:util parseArgs takes them. */
export const dropFlags = {
  fans: 'string',
  seats: 'string',
  nodes: 'string',
  arrival: 'string',
  'arrival-seconds': 'string',
  abandon: 'string',
  decline: 'string',
  bots: 'string',
  'gift-cards': 'string',
  groups: 'string',
  mode: 'string',
  target: 'string',
  'database-url': 'string',
  organizer: 'string',
  'report-dir': 'string',
  seed: 'string',
  duration: 'string',
  'think-ms': 'string',
  processes: 'string',
  'sockets-per-node': 'string',
  'poll-max-seconds': 'string',
  away: 'string',
  'away-react-seconds': 'string',
  'away-never': 'string',
  'away-look-seconds': 'string',
  register: 'string',
  'token-ttl': 'string',
  'join-key': 'string',
  'per-account': 'string',
  'admit-per-minute': 'string',
  fault: 'string',
  'fault-at': 'string',
  keep: 'boolean',
  quiet: 'boolean',
} as const;

const camel = (flag: string) => flag.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());

/** The flags as node:util parseArgs declares them. */
export const dropFlagOptions = Object.fromEntries(Object.entries(dropFlags).map(([k, type]) => [k, { type }])) as {
  [K in keyof typeof dropFlags]: { type: (typeof dropFlags)[K] };
};

/** Parses argv (without node and script); null when --help was asked. Throws OptionsError naming each bad flag. */
export function parseDropOptions(argv: string[]): DropOptions | null {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: { ...dropFlagOptions, help: { type: 'boolean' } },
      strict: true,
    }).values as Record<string, string | boolean | undefined>;
  } catch (err) {
    throw new OptionsError((err as Error).message);
  }
  if (values.help) return null;
  return dropOptionsFromFlags(values);
}

/** Validates parsed flags (kebab-case keys, as on the command line). Throws OptionsError naming each bad flag. */
export function dropOptionsFromFlags(values: Record<string, string | boolean | undefined>): DropOptions {
  return dropOptions(Object.fromEntries(Object.entries(values).map(([k, v]) => [camel(k), v])));
}

/** Validates options given as an object (tests build them this way). */
export function dropOptions(input: Record<string, unknown>): DropOptions {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const kebab = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw new OptionsError(
      parsed.error.issues.map((i) => `${kebab(String(i.path[0] ?? '?'))}: ${i.message}`).join('\n'),
    );
  }
  return parsed.data;
}
