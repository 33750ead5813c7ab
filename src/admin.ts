import { randomBytes } from 'node:crypto';
import { createKeys } from '../queue/keys.js';
import { email as emailSchema, newPassword } from './auth/auth.schemas.js';
import { RoleAdmin, type RoleHolder } from './auth/roles.service.js';
import { SessionCache } from './auth/session-cache.js';
import { boot, configOrExit } from './boot.js';
import { createLogger } from './logger.js';
import { parseCommandLine } from './shared/command-line.js';
import { AppError } from './shared/errors.js';
import { roles, type Role } from './shared/vocabulary.js';

/**
 * `npm run admin -- <command>`: the operator's first-run step and role changes, on the
 * configured PostgreSQL and Redis (DATABASE_URL, REDIS_URL), in production as anywhere. It is
 * part of the image, beside the API and worker entry points: with docker compose,
 * `docker compose exec worker npm run -s admin -- …`. Everything it prints for people goes to
 * stdout; the audit lines (JSON, through the logger) to stderr.
 */

const usage = `npm run admin -- <command> [options]

  Creates the first admin of a Fairdrop installation and gives or takes roles by email
  address, on the PostgreSQL and Redis the environment names (DATABASE_URL, REDIS_URL), in
  production (NODE_ENV=production) as in development. With docker compose:
    docker compose exec worker npm run -s admin -- create-admin --email you@example.com

Commands:
  create-admin --email E [--name NAME] [--password-stdin]
                 an admin account with a confirmed address; without --password-stdin a
                 password is generated and printed once. An existing account with that
                 address becomes an admin and keeps its password.
  promote --email E [--role R]
                 gives the account the role (default organizer); it applies at its next
                 request, on every node
  demote --email E [--role R]
                 takes the role away (default organizer); an organizer's events stay, but
                 they can no longer manage them. The last admin cannot be demoted.
  list [--role R]
                 the accounts that have the role (default organizer)

Options:
  --email E         the account's address (people register first at /account.html)
  --name NAME       create-admin: the name shown for the account (default "Administrator")
  --role R          ${roles.join(', ')}
  --password-stdin  create-admin: read the password from stdin (at least 10 characters), e.g.
                    printf '%s' "$PASSWORD" | docker compose exec -T worker npm run -s admin -- \\
                      create-admin --email you@example.com --password-stdin
  -h, --help        this text

Exit code 0: done (or nothing to change); 1: refused (no such account, the last admin);
2: bad command line; 78: the configuration is incomplete (DATABASE_URL, REDIS_URL, SIGNING_KEY).
`;

const commands = ['create-admin', 'promote', 'demote', 'list'] as const;
type Command = (typeof commands)[number];

const { values, positionals, fail } = parseCommandLine({
  usage,
  allowPositionals: true,
  options: {
    email: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string' },
    'password-stdin': { type: 'boolean', default: false },
  },
});

const [word, ...extra] = positionals;
if (!word) fail(`Name a command: ${commands.join(', ')}.`);
if (!commands.includes(word as Command)) fail(`Unknown command "${word}": expected ${commands.join(', ')}.`);
if (extra.length > 0) fail(`Unexpected argument '${extra[0]}'.`);
const command = word as Command;

const role = (values.role ?? (command === 'create-admin' ? 'admin' : 'organizer')) as Role;
if (!roles.includes(role)) fail(`--role: "${values.role}" is not a role; the roles are ${roles.join(', ')}.`);
if (command === 'create-admin' && values.role !== undefined) fail('--role: create-admin always makes an admin.');

const needsEmail = command !== 'list';
const email = values.email === undefined ? undefined : emailSchema.safeParse(values.email);
if (needsEmail && !email)
  fail(`--email is required: the address of the account to ${command === 'create-admin' ? 'create' : command}.`);
if (email && !email.success) fail(`--email: "${values.email}" is not an email address.`);
const address = email?.success ? email.data : '';

const name = (values.name ?? 'Administrator').trim();
if (name.length < 1 || name.length > 80) fail('--name: between 1 and 80 characters.');
if (values['password-stdin'] && command !== 'create-admin') fail('--password-stdin goes with create-admin.');

/** The password piped in, without the newline a shell's echo adds. */
async function passwordFromStdin(): Promise<string> {
  if (process.stdin.isTTY) fail('--password-stdin reads a pipe: printf \'%s\' "$PASSWORD" | npm run -s admin -- …');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  const checked = newPassword.safeParse(password);
  return checked.success ? checked.data : fail(`the password from stdin ${checked.error.issues[0]!.message}.`);
}

const password =
  command !== 'create-admin'
    ? null
    : values['password-stdin']
      ? { value: await passwordFromStdin(), generated: false }
      : { value: randomBytes(18).toString('base64url'), generated: true };

const config = configOrExit(process.env, { services: 'configured' });
const logger = createLogger({ ...config, NODE_ID: config.NODE_ID ?? 'admin' }, process.stderr);
const { infra, shutdown } = await boot(config, logger);
const admin = new RoleAdmin({
  db: infra.database.db,
  sessions: new SessionCache(infra.redis, createKeys(config.REDIS_PREFIX)),
  sockets: infra.broadcaster,
  logger,
  scryptLogN: config.PASSWORD_SCRYPT_LOG_N,
});
const out = (line: string) => process.stdout.write(`${line}\n`);
const rolesOf = (account: RoleHolder) => account.roles.join(', ');

let exitCode = 0;
try {
  switch (command) {
    case 'create-admin': {
      const result = await admin.createAdmin({ email: address, displayName: name, password: password!.value });
      if (result.created) {
        out(`Created the admin account ${address}.`);
        if (password!.generated) out(`Password (shown only now; change it after signing in): ${password!.value}`);
      } else if (result.outcome === 'granted') {
        out(
          `${address} already had an account: it is now an admin and keeps its password (roles: ${rolesOf(result.account)}).`,
        );
      } else {
        out(`${address} is already an admin; nothing changed.`);
      }
      out(
        config.PUBLIC_URL
          ? `Sign in at ${new URL('/account.html', config.PUBLIC_URL).href}`
          : "Sign in on the site's account page (/account.html).",
      );
      break;
    }
    case 'promote':
    case 'demote': {
      const change = command === 'promote' ? await admin.grant(address, role) : await admin.revoke(address, role);
      const now = `(roles: ${rolesOf(change.account) || 'none'})`;
      if (change.outcome === 'granted') out(`${address} is now ${asRole(role)} ${now}.`);
      else if (change.outcome === 'revoked') out(`${address} is no longer ${asRole(role)} ${now}.`);
      else
        out(`${address} ${command === 'promote' ? 'already is' : 'is not'} ${asRole(role)}; nothing changed ${now}.`);
      break;
    }
    case 'list': {
      const holders = await admin.list(role);
      out(holders.length === 0 ? `No account is ${asRole(role)}.` : `${holders.length} ${role} account(s):`);
      for (const h of holders)
        out(`  ${h.email}  ${h.displayName}  (roles: ${rolesOf(h)}; since ${h.createdAt.toISOString().slice(0, 10)})`);
      break;
    }
  }
} catch (err) {
  if (!(err instanceof AppError) || err.status >= 500) throw err;
  process.stderr.write(`${err.message}\n`);
  exitCode = 1;
} finally {
  await shutdown();
}
process.exit(exitCode);

/** The role as a sentence names it: "is now an organizer", "is no longer door staff". */
function asRole(role: Role): string {
  return { fan: 'a fan', organizer: 'an organizer', staff: 'door staff', admin: 'an admin' }[role];
}
