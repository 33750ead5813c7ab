import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { z } from 'zod';

/**
 * The whole configuration, parsed once at boot. Nothing else in the code base reads
 * `process.env`: entry points call `loadConfig(process.env)` and pass the result down.
 */

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const csv = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
  );

/** Names `trust proxy` accepts for address ranges (proxy-addr's). */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** An address, a subnet (`10.0.0.0/8`, `10.0.0.0/255.0.0.0`, `fd00::/8`) or a range name. */
function isProxyEntry(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true;
  const [address = '', bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  if (/^\d{1,3}$/.test(bits)) return Number(bits) <= (family === 4 ? 32 : 128);
  return family === 4 && isIP(bits) === 4;
}

/**
 * Express's `trust proxy`: `false`, `true`, a hop count, or a list of trusted addresses and
 * subnets. Parsed here so a typo fails the boot instead of trusting nothing (or everything).
 */
const trustProxy = z.string().transform((raw, ctx): boolean | number | string[] => {
  const value = raw.trim().toLowerCase();
  if (value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) {
    if (Number(value) <= 32) return Number(value);
    ctx.addIssue({ code: 'custom', message: 'a hop count is at most 32' });
    return z.NEVER;
  }
  const entries = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = entries.filter((e) => !isProxyEntry(e));
  if (entries.length === 0 || bad.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message:
        'a hop count (1 = one proxy in front), true, false, or a comma list of addresses, subnets (10.0.0.0/8) and ' +
        `loopback, linklocal, uniquelocal${bad.length > 0 ? `; not ${bad.join(', ')}` : ''}`,
    });
    return z.NEVER;
  }
  return entries;
});

const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** Where the zero-setup start keeps its embedded Postgres and Redis data. */
  DATA_DIR: z.string().min(1).default('./.fairdrop'),
  /** Absent: `npm start` runs an embedded PostgreSQL in DATA_DIR/pg. */
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  /** Absent: `npm start` spawns `redis-server` from the PATH with its data in DATA_DIR/redis. */
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  /**
   * Redis Cluster seed nodes, `host:port` (or `redis://user:pass@host:port`, `rediss://…` for TLS), comma-separated;
   * the client learns the rest of the cluster from them. Set instead of REDIS_URL: every key of one event shares a
   * hash tag, so each event lives on one shard while events spread across shards.
   */
  REDIS_CLUSTER_NODES: csv
    .pipe(
      z
        .array(
          z.string().regex(/^(rediss?:\/\/[^\s,]+|[^\s:/,]+:\d{1,5})$/, 'each node as host:port or a redis:// URL'),
        )
        .min(1, 'at least one host:port'),
    )
    .optional(),
  /** Every Redis key (waiting room, rate limits, BullMQ) starts with this; lets tests share one Redis. */
  REDIS_PREFIX: z
    .string()
    .regex(/^[a-z0-9:_-]*$/i, 'letters, digits, ":", "_" and "-" only (no "{", which would break hash tags)')
    .default('fd:'),
  /** Names this process in the `X-Fairdrop-Node` response header and its logs, so a response behind a load balancer says which node answered. */
  NODE_ID: z
    .string()
    .regex(/^[\w.:-]{1,64}$/, 'letters, digits, ".", ":", "_" and "-", at most 64')
    .default(`${hostname()}:${process.pid}`),
  HOST: z.string().default('0.0.0.0'),
  PORT: int(0, 65535).default(3000),
  /**
   * The address fans reach (`https://tickets.example.com`, or the load balancer's), without a
   * trailing slash: every absolute link (mails, transfer invitations, the API reference's server)
   * starts with it. Unset: the origin this node really serves, `http://localhost:<the port it
   * listens on>` (the port PORT=0 picked, too), right for one node reached directly.
   */
  PUBLIC_URL: url(['http:', 'https:'])
    .transform((v) => v.replace(/\/+$/, ''))
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Origins allowed to call the API from a browser; the pages in web/ are same-origin and need none. */
  CORS_ORIGINS: csv.default([]),
  /** JSON bodies are small (a hold names at most a few dozen seats); 100 kB leaves room and stops abuse. */
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, 'a size such as 100kb')
    .default('100kb'),
  /** A request still running after this is answered 503; the slowest honest path (card authorize) takes ~2 s. */
  REQUEST_TIMEOUT_MS: int(1000, 300_000).default(15_000),
  /** How long shutdown waits for in-flight requests before closing their sockets. */
  SHUTDOWN_TIMEOUT_MS: int(0, 120_000).default(10_000),
  /** 30 days: long enough that a fan who signed up weeks before a drop is still signed in on the day. */
  SESSION_TTL_HOURS: int(1, 24 * 365).default(24 * 30),
  /**
   * scrypt cost as log2(N), r=8, p=1. 15 is 32 MiB and ~60 ms per hash on one core, OWASP's floor;
   * tests and the drop simulator lower it to create thousands of accounts quickly. The cost is
   * stored in each hash, so raising it later keeps old passwords working.
   */
  PASSWORD_SCRYPT_LOG_N: int(10, 20).default(15),
  /**
   * Failed sign-ins one address may make to one account per LOGIN_FAILURE_WINDOW_SECONDS before
   * that address is refused (429) for that account; the owner on any other address is not. A
   * fan who mistypes stays far below 10, and a success clears the count.
   */
  LOGIN_FAILURES_PER_ACCOUNT_IP: int(1, 10_000).default(10),
  /** 15 minutes: one address gets under 1,000 guesses a day at one account, and a fan who forgot their password is let back in after a coffee. */
  LOGIN_FAILURE_WINDOW_SECONDS: int(1, 86_400).default(900),
  /** Failed sign-ins to one account, from all addresses, in the window before each attempt on it waits: past what one address may make, several are guessing. */
  LOGIN_BACKOFF_AFTER_FAILURES: int(1, 1_000_000).default(10),
  /** The longest such wait (it doubles from 1/16 of this per failure): slows a guesser, costs the owner at most 2 s and never refuses them. */
  LOGIN_BACKOFF_MAX_MS: int(0, 10_000).default(2_000),
  /** Login and register calls per IP per window: a venue's shared Wi-Fi still fits under 60 a minute. */
  AUTH_LIMIT_PER_IP: int(1, 100_000).default(60),
  AUTH_LIMIT_WINDOW_SECONDS: int(1, 86_400).default(60),
  /** A concurrent duplicate of an idempotent request waits this long for the first to finish, then gets 409. */
  IDEMPOTENCY_WAIT_MS: int(0, 60_000).default(5_000),
  /**
   * How long a request's answer is kept for replay under its Idempotency-Key. A day: a client
   * retries within seconds or minutes (a phone that lost its answer retries on reconnect, the
   * next morning at worst), and an answer that carries a session token (register, login, a
   * transfer claim) should not outlive that need. After it, the same key is a new request.
   */
  IDEMPOTENCY_TTL_HOURS: int(1, 24 * 30).default(24),
  /** Ed25519 private key (PKCS#8 PEM or base64 DER) that signs receipts; generated and kept in DATA_DIR when absent outside production. */
  SIGNING_KEY: z.string().min(1).optional(),
  /**
   * Web Push (VAPID, RFC 8292) key pair, base64url as `web-push generate-vapid-keys` prints it:
   * the public key is what browsers subscribe with, the private key signs each push. Generated and
   * kept in DATA_DIR/vapid.json when absent outside production; set both in production (a new
   * pair orphans every subscription). Unset in production: no Web Push, mail and the page still tell fans.
   */
  VAPID_PUBLIC_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{87}$/, 'must be a base64url P-256 public key (87 characters)')
    .optional(),
  VAPID_PRIVATE_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/, 'must be a base64url P-256 private key (43 characters)')
    .optional(),
  /**
   * The push services a subscription's endpoint may name, in production: the browsers' own
   * (Chrome, Firefox, Safari, Edge). `*.` matches any subdomain. Anything else is refused, so an
   * account cannot make the server post to an address of its choosing (an internal host).
   */
  PUSH_SERVICE_HOSTS: csv.default([
    'fcm.googleapis.com',
    'updates.push.services.mozilla.com',
    '*.push.apple.com',
    '*.notify.windows.com',
  ]),
  /** Who runs this server, for push services to write to (mailto: or https:). */
  VAPID_SUBJECT: z
    .string()
    .regex(/^(mailto:|https:\/\/)/, 'must start with mailto: or https://')
    .default('mailto:no-reply@fairdrop.local'),
  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^(sk|rk)_(test|live)_/, 'must start with sk_test_, sk_live_, rk_test_ or rk_live_')
    .optional(),
  STRIPE_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_/, 'must start with whsec_')
    .optional(),
  STRIPE_PUBLISHABLE_KEY: z
    .string()
    .regex(/^pk_(test|live)_/, 'must start with pk_test_ or pk_live_')
    .optional(),
  /** Lets tests point the real Stripe SDK at a local fake; never set in production. */
  STRIPE_API_BASE: url(['http:', 'https:']).optional(),
  /**
   * When set, /metrics asks for `Authorization: Bearer <token>` (on every listener). Unset in
   * production: the public port does not serve /metrics at all (use METRICS_PORT instead);
   * development and tests keep it open there.
   */
  METRICS_TOKEN: z.string().min(16).optional(),
  /** A second listener that serves only /metrics, for a scraper on a private network; when set, the public port serves /metrics only with METRICS_TOKEN. */
  METRICS_PORT: int(0, 65535).optional(),
  /** Where METRICS_PORT listens: loopback, so only this host (or a sidecar) can scrape; a private interface's address to scrape from elsewhere. */
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /**
   * Which proxies' X-Forwarded-For to believe for the client's address (per-IP limits, session
   * records). Unset: none, so the address is the socket's peer, right for a node clients reach
   * directly (a bare `npm start`); a forged header then changes nothing. Behind proxies: the
   * hop count (1 behind one nginx or load balancer), or their addresses and subnets (or
   * loopback, linklocal, uniquelocal), comma-separated. `true` believes every hop: only for a
   * node that nothing but the proxies can reach.
   */
  TRUST_PROXY: trustProxy.default(false),
  /** Where mail goes (smtp:// or smtps://). Unset: mails are written as JSON files to DATA_DIR/mail, for development. */
  SMTP_URL: url(['smtp:', 'smtps:']).optional(),
  MAIL_FROM: z.string().min(3).default('Fairdrop <no-reply@fairdrop.local>'),
  /** The outbox dispatcher wakes on NOTIFY; this poll is only the safety net for a missed wake-up. */
  OUTBOX_POLL_MS: int(100, 60_000).default(2_000),
  /** Run the background jobs inside the API process (zero-setup); turn off on API nodes when a worker process runs them. */
  RUN_WORKERS: bool.default(true),
  /** Load the demo catalogue and accounts on the first start (empty database). */
  SEED_DEMO: bool.default(true),
  /** The sandbox card processor (Stripe test numbers, no money); unset: on everywhere except production. */
  SANDBOX_PAYMENTS: bool.optional(),
  /** An order stuck between authorize and capture longer than this is resolved by the reconciler; twice the request timeout, so no live request still owns it. */
  RECONCILE_AFTER_MS: int(0, 3_600_000).default(30_000),
  /** How often the reconciler sweeps; a stuck authorization ties up seats until then. */
  RECONCILE_EVERY_MS: int(100, 3_600_000).default(15_000),
  /** How often unfinished event cancellations are re-enqueued; refund jobs retry on their own, this catches jobs lost with a worker or Redis. */
  CANCELLATION_SWEEP_MS: int(100, 3_600_000).default(30_000),
  /**
   * How long a door scanner's offline bundle is valid. An offline scan is judged at a time inside
   * [bundle issued, min(upload, bundle expiry)], so this is also how far a dishonest scanner could
   * backdate a screenshot: 12 h covers one event day of doors on one download; shorten it for
   * events whose scanners stay online.
   */
  CHECKIN_BUNDLE_VALID_MINUTES: int(5, 7 * 24 * 60).default(12 * 60),
  /**
   * Apple Wallet passes (docs/wallet-passes.md): the Pass Type ID and Team ID of the pass
   * certificate, the certificate and its private key, and Apple's WWDR intermediate certificate
   * (each a PEM or the path of a PEM file). Any of them unset: no "Add to Apple Wallet" button,
   * and the pass route answers 503 naming what is missing.
   */
  APPLE_PASS_TYPE_ID: z
    .string()
    .regex(/^pass\.[A-Za-z0-9.-]+$/, 'must be a Pass Type ID (pass.com.example.tickets)')
    .optional(),
  APPLE_TEAM_ID: z
    .string()
    .regex(/^[A-Z0-9]{10}$/, 'must be the 10-character Team ID')
    .optional(),
  APPLE_PASS_CERT: z.string().min(1).optional(),
  APPLE_PASS_KEY: z.string().min(1).optional(),
  /** Only when APPLE_PASS_KEY is an encrypted PEM. */
  APPLE_PASS_KEY_PASSPHRASE: z.string().min(1).optional(),
  APPLE_WWDR_CERT: z.string().min(1).optional(),
  /**
   * Google Wallet passes: the issuer id from the Google Pay & Wallet Console, and the service
   * account (its email and RSA private key, a PEM or the path of one) that signs save links and
   * updates objects. Any unset: no "Save to Google Wallet" button, and the route answers 503.
   */
  GOOGLE_WALLET_ISSUER_ID: z
    .string()
    .regex(/^\d{6,25}$/, 'must be the numeric issuer id')
    .optional(),
  GOOGLE_WALLET_SERVICE_ACCOUNT_EMAIL: z.email("must be the service account's email").optional(),
  GOOGLE_WALLET_PRIVATE_KEY: z.string().min(1).optional(),
  /**
   * Where the wallet worker tells Apple devices that a pass changed (APNs, HTTP/2, with the pass
   * certificate as its client certificate); tests point it at a local fake.
   */
  APPLE_APNS_URL: url(['https:']).default('https://api.push.apple.com'),
  /** Tests only: a CA (PEM) to trust for APPLE_APNS_URL, for the local fake's certificate; never set in production. */
  APPLE_APNS_CA: z.string().min(1).optional(),
  /** Lets tests point the Google Wallet REST calls at a local fake; never set in production. */
  GOOGLE_WALLET_API_BASE: url(['http:', 'https:']).default('https://walletobjects.googleapis.com'),
  /** Lets tests point the service account's token exchange at a local fake; never set in production. */
  GOOGLE_OAUTH_TOKEN_URL: url(['http:', 'https:']).default('https://oauth2.googleapis.com/token'),
  /**
   * How often the wallet worker looks for Google Wallet objects to update after their ticket
   * changed (written by the change's own transaction). 5 s: a transferred ticket's old pass goes
   * grey within seconds, for one indexed query per tick.
   */
  WALLET_SYNC_POLL_MS: int(100, 600_000).default(5_000),
  /** Gift-card balance lookups per IP per minute: a fan checks a few cards, a guesser needs billions. */
  GIFT_CARD_LOOKUPS_PER_MINUTE: int(1, 10_000).default(20),
  /**
   * The admission scheduler's tick: every tick admits the next batch and publishes one cursor
   * message per event. 1 s: fans see their position move smoothly, and it is one BullMQ job and
   * a few Redis calls per event per second.
   */
  /**
   * How long a claimed purchase token keeps counting against unsold seats while its hold
   * commits: without it a tick could admit a fan for seats that are about to be held. 15 s is
   * the request timeout, so no hold takes longer; seats freed later resume admission this late.
   */
  QUEUE_CLAIM_WINDOW_MS: int(100, 60_000).default(15_000),
  QUEUE_TICK_MS: int(100, 60_000).default(1_000),
  /**
   * Tickets an admitted fan is expected to buy: outstanding tokens × this is what admission sets
   * aside of the unsold seats. 2: most fans buy a pair; a low guess admits more fans than the
   * seats can serve (they meet "sold out"), a high one admits too slowly at the end.
   */
  QUEUE_TICKETS_PER_FAN: z.coerce.number().min(1).max(50).default(2),
  /**
   * The longest an admitted fan's token sets seats aside (above), from its issue: after that it
   * stays valid to its end, but no longer holds back the next fans' admission, so a fan who
   * never comes back delays the line by at most this, not by the token's whole lifetime (10
   * minutes by default). Within it the window follows how soon the room's fans come
   * (src/waitingroom/reserve.ts). 0: for the token's whole lifetime.
   */
  QUEUE_TOKEN_RESERVE_SECONDS: int(0, 3_600).default(180),
  /** Joins per IP per minute: a venue's or a campus's shared address still fits; a bot farm behind one IP does not. */
  QUEUE_JOIN_LIMIT_PER_IP: int(1, 1_000_000).default(120),
  /** Joins per account per minute: a page that retries a lost answer a few times; joining again returns the same entry anyway. */
  QUEUE_JOIN_LIMIT_PER_ACCOUNT: int(1, 10_000).default(10),
  /**
   * Presale code attempts per account and per IP in PRESALE_CODE_LIMIT_WINDOW_SECONDS: a fan
   * mistyping a code a few times fits; a guesser gets 10 tries in 10 minutes against codes of 50 bits.
   */
  PRESALE_CODE_LIMIT_PER_ACCOUNT: int(1, 10_000).default(10),
  /** Per IP: a venue's or campus's shared address with many fans entering their codes still fits. */
  PRESALE_CODE_LIMIT_PER_IP: int(1, 1_000_000).default(100),
  PRESALE_CODE_LIMIT_WINDOW_SECONDS: int(1, 86_400).default(600),
  /** Crash tests only (honoured when NODE_ENV=test): the process exits with 137 at this point of an order. */
  FAULT_POINT: z.enum(['after_authorize', 'after_commit']).optional(),
});

export type Config = z.infer<typeof configSchema>;

/** The configuration of a node that serves HTTP, once it listens: its public address is known. */
export type ServedConfig = Config & { PUBLIC_URL: string };

/**
 * PUBLIC_URL as configured or, unset, the origin the node listens on: `localhost` for a node
 * bound to every interface, else the address it is bound to (`[::1]` bracketed).
 */
export function servedConfig(config: Config, port: number): ServedConfig {
  if (config.PUBLIC_URL) return { ...config, PUBLIC_URL: config.PUBLIC_URL };
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
  return { ...config, PUBLIC_URL: `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}` };
}

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(
      `Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}\n` +
        'See docs/configuration.md (linked from the README).',
    );
    this.name = 'ConfigError';
  }
}

/** Parses the environment; empty strings count as unset. Throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const present = Object.fromEntries(
    Object.keys(configSchema.shape)
      .map((k) => [k, env[k]] as const)
      .filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => ({ variable: String(i.path[0] ?? '?'), message: i.message })));
  }
  const config = parsed.data;
  if (Boolean(config.VAPID_PUBLIC_KEY) !== Boolean(config.VAPID_PRIVATE_KEY)) {
    throw new ConfigError([
      {
        variable: config.VAPID_PUBLIC_KEY ? 'VAPID_PRIVATE_KEY' : 'VAPID_PUBLIC_KEY',
        message: 'set both VAPID keys (a pair) or neither',
      },
    ]);
  }
  if (config.REDIS_URL && config.REDIS_CLUSTER_NODES) {
    throw new ConfigError([
      {
        variable: 'REDIS_CLUSTER_NODES',
        message: 'set either REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a Redis Cluster), not both',
      },
    ]);
  }
  if (config.NODE_ENV === 'production') {
    const missing = (['DATABASE_URL', 'REDIS_URL', 'SIGNING_KEY'] as const).filter(
      (k) => !config[k] && !(k === 'REDIS_URL' && config.REDIS_CLUSTER_NODES),
    );
    if (missing.length > 0) {
      throw new ConfigError(missing.map((variable) => ({ variable, message: 'required when NODE_ENV=production' })));
    }
  }
  return config;
}

/** The variables and their meaning, for the README table and `--help`. */
export const configVariables = Object.keys(configSchema.shape);
