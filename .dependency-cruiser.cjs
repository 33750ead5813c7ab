/**
 * Fairdrop's module boundaries: the map of the code, checked by `npm run lint` (depcruise) and by
 * `npm test` (test/docs/boundaries.test.ts runs the same check through dependency-cruiser's API).
 *
 *   src/          the product, and only the product: what the Docker image runs.
 *     <module>/   one capability each (auth, catalog, sales, orders, tickets, waitingroom, …),
 *                 layered routes → service → repository → table. A module's tables are read and
 *                 written only by its own repositories; other modules call its service or
 *                 repository, never its tables. The one exception is named by the owner: the
 *                 tables in its <module>.joinable.ts, which other modules' repositories may read
 *                 inside one of their own statements (JOINABLE below).
 *     db/         the connection, migrations and the schema (every table, for drizzle-kit).
 *     platform/   the few speed-ups that reach into a dependency's private internals, each with a
 *                 canary test in test/platform/ (see src/platform/README.md).
 *     main.ts, worker.ts   the product's entry points (an API node, a worker), through node.ts.
 *   queue/        the waiting-room engine: Redis keys and Lua scripts. It knows nothing of HTTP,
 *                 Postgres or the product, so it imports nothing outside queue/.
 *   web/src/      the pages, bundled for the browser. They import types from src/ and queue/
 *                 freely, and code only from the short list of browser-safe modules below.
 *   tools/        what runs beside the product and never in production: `npm start` with local
 *                 services and demo data, the drop simulator, the local cluster, the CLIs.
 *   bench/        benchmarks, each beside its baseline.
 *   test/         tests may import anything, and nothing imports them.
 *
 * tools/ and bench/ use the product only through its public modules (PUBLIC below): each
 * module's index.ts, which exports just what they need, and the top-level start-up files.
 * Everything else in src/ may change shape without a tool or benchmark noticing.
 *
 * No violation is tolerated: `npm run lint` and `npm test` fail on the first one.
 */

/** Product code the pages may run in the browser: pure functions and constants, no Node APIs. */
const BROWSER_SAFE = [
  '^src/catalog/layout\\.ts$',
  '^src/shared/vocabulary\\.ts$',
  '^src/shared/leading-zero-bits\\.ts$',
  '^src/tickets/code-format\\.ts$',
  '^src/waitingroom/lottery-check\\.ts$',
  '^queue/lottery-verify\\.ts$',
  '^src/shared/zoned-time\\.ts$',
  '^src/i18n/locales\\.ts$',
];

/**
 * The product's public modules, for tools/ and bench/: a module's index.ts, and the top-level
 * files that start it (config, logger, boot, node, server).
 */
const PUBLIC = ['^src/[^/]+/index\\.ts$', '^src/(config|logger|boot|node|server)\\.ts$'];

/**
 * A module's <module>.joinable.ts re-exports the few of its tables that other modules' repositories
 * may read inside one SQL statement of their own: a read model's join (a ticket with its event and
 * venue), a subquery (a staff member's confirmed address), an atomic conditional write (admit a
 * scan only if the ticket is still valid: INSERT … SELECT … FOR SHARE). Splitting those into calls
 * to the owner's repository would cost round trips or the atomicity itself. Writing to another
 * module's table is never joinable: call the owner's repository. A read the owner's repository
 * already answers in one statement is not joinable either: call it.
 */
const JOINABLE = '^src/[^/]+/[^/]+\\.joinable\\.ts$';

/** The folders that hold the schema and may see every table: src/db/ (schema, migrations). */
const SCHEMA = '^src/db/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment:
        'No import cycles anywhere, type-only imports included: a cycle means two files are one module in two ' +
        'places. Move the shared piece down to where both can import it (as Infra lives in src/infra/types.ts).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'queue-engine-stands-alone',
      comment:
        'queue/ is the Redis engine: it must not know the product, its HTTP or its database. It reports refusals ' +
        'as its own QueueError; src/waitingroom/refusals.ts turns them into API problems.',
      severity: 'error',
      from: { path: '^queue/' },
      to: { path: '^(src|tools|bench|test|web)/' },
    },
    {
      name: 'tables-stay-in-their-module',
      comment:
        "A module's *.table.ts is its own: another module calls its service or repository instead, or, to read " +
        "a table inside one statement of its own, imports it from the owner's <module>.joinable.ts (JOINABLE " +
        'above). Tables may import other tables (foreign keys), and src/db/ gathers them all into the schema.',
      severity: 'error',
      from: { path: '^src/([^/]+)/', pathNot: ['\\.table\\.ts$', SCHEMA] },
      to: { path: '^src/[^/]+/.+\\.table\\.ts$', pathNot: ['^src/$1/'] },
    },
    {
      name: 'joinable-tables-in-repositories',
      comment:
        "A module's <module>.joinable.ts (JOINABLE above) is read by repositories only, its own module's or " +
        "another's: a service, a route or a helper calls a repository function instead.",
      severity: 'error',
      from: { path: '^src/', pathNot: ['\\.repository\\.ts$', SCHEMA] },
      to: { path: JOINABLE },
    },
    {
      name: 'joinable-lists-own-tables',
      comment:
        'A <module>.joinable.ts re-exports tables of its own module, nothing else: each module decides which of ' +
        'its tables others may join, and nobody else does.',
      severity: 'error',
      from: { path: '^src/([^/]+)/[^/]+\\.joinable\\.ts$' },
      to: { pathNot: ['^src/$1/[^/]+\\.table\\.ts$'] },
    },
    {
      name: 'tables-through-the-repository',
      comment:
        "Inside a module, only its repositories (and its index.ts and joinable.ts) use its tables' values; a " +
        'service may use their row types.',
      severity: 'error',
      from: {
        path: '^src/([^/]+)/',
        pathNot: ['\\.repository\\.ts$', '\\.table\\.ts$', '\\.joinable\\.ts$', '/index\\.ts$', SCHEMA],
      },
      to: { path: '^src/$1/.+\\.table\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'queries-in-repositories',
      comment:
        'Queries are built in repositories. A service that needs data calls a repository function; it does not ' +
        'import drizzle-orm. (src/db/ and src/platform/ are the plumbing repositories stand on.)',
      severity: 'error',
      from: { path: '^src/', pathNot: ['\\.repository\\.ts$', '\\.table\\.ts$', SCHEMA, '^src/platform/'] },
      to: { path: '(^|/)node_modules/drizzle-orm/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'services-know-no-express',
      comment: 'Services and repositories are called by routes, workers, tools and tests alike: never Express.',
      severity: 'error',
      from: { path: '\\.(service|repository)\\.ts$' },
      to: { path: '(^|/)node_modules/express/' },
    },
    {
      name: 'layers-point-down',
      comment: 'routes → services → repositories, never backwards.',
      severity: 'error',
      from: { path: '\\.repository\\.ts$' },
      to: { path: '\\.(service|routes)\\.ts$' },
    },
    {
      name: 'services-do-not-know-routes',
      comment: 'routes → services → repositories, never backwards.',
      severity: 'error',
      from: { path: '\\.service\\.ts$' },
      to: { path: '\\.routes\\.ts$' },
    },
    {
      name: 'pages-run-in-the-browser',
      comment:
        'web/src imports types from src/ and queue/ freely, but code only from the browser-safe modules ' +
        '(BROWSER_SAFE above): anything else would pull Node-only code into a page bundle.',
      severity: 'error',
      from: { path: '^web/src/' },
      to: { path: '^(src|queue)/', pathNot: BROWSER_SAFE, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'product-ignores-tooling',
      comment:
        'The product never imports the tools, benchmarks or tests that use it: the Docker image holds src/, ' +
        'queue/ and web/ only.',
      severity: 'error',
      from: { path: '^(src|queue|web)/' },
      to: { path: '^(tools|bench|test)/' },
    },
    {
      name: 'tools-and-bench-not-tests',
      comment:
        'Benchmarks and tools stand on their own: what they share with tests (scratch databases, the scale ' +
        'catalogue) lives in tools/.',
      severity: 'error',
      from: { path: '^(tools|bench)/' },
      to: { path: '^test/' },
    },
    {
      name: 'tools-and-bench-use-public-modules',
      comment:
        "tools/ and bench/ reach the product only through its public modules (PUBLIC above): a module's " +
        'index.ts exports what they need; add to it rather than importing a file behind it.',
      severity: 'error',
      from: { path: '^(tools|bench)/' },
      to: { path: '^src/', pathNot: PUBLIC },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // node_modules is cruised one level deep (doNotFollow), so rules can see drizzle-orm and express.
    exclude: { path: ['^web/vendor/', '^drizzle/'] },
    // Type-only imports count: a cycle through types is still a cycle, and a table's row type still couples.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // node_modules/x stays node_modules/x even where node_modules is a symlink (a worktree, a CI cache),
    // so the rules and the known violations name the same paths everywhere.
    preserveSymlinks: true,
  },
};
