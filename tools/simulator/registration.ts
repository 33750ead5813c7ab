import { confirmAddresses, seedFanAccounts } from './accounts.js';
import type { DropPlan } from './plan.js';
import type { SeedingFacts } from './report.js';
import { mergeErrors, n, type DropRun } from './run.js';
import type { Account, ErrorCounts } from './types.js';

/**
 * The drop's accounts, before the sale: registered through the API in contiguous slices across
 * the fan processes, their addresses confirmed from the verification mails (a queue-mode room
 * takes confirmed addresses only), and those beyond --register seeded straight into Postgres
 * (self-started deployments only).
 */

export interface Registration {
  /** By the plan's account index. */
  accounts: Map<number, Account>;
  /** Register latencies, ms. */
  registerSamples: number[];
  errors: ErrorCounts;
  registerSeconds: number;
  /** Accounts registered through the API. */
  registeredViaApi: number;
  seeding: SeedingFacts | null;
}

export async function registerAccounts(run: DropRun, plan: DropPlan): Promise<Registration> {
  const viaApi = Math.min(plan.accounts, run.options.register ?? plan.accounts);
  checkRegistration(run, plan, viaApi);
  const registerStart = Date.now();
  const registered = await registerThroughApi(run, plan, viaApi);
  const registerSeconds = (Date.now() - registerStart) / 1000;
  run.reporter.info(
    `${n(registered.accounts.size)} accounts registered through the API in ${registerSeconds.toFixed(1)} s`,
  );
  const registeredViaApi = registered.accounts.size;
  await confirmRegistered(run, registered);
  const seeding = viaApi < plan.accounts ? await seedTheRest(run, plan, viaApi, registered.accounts) : null;
  if (registered.accounts.size === 0)
    throw new Error(`no account could be registered: ${JSON.stringify(registered.errors)}`);
  return { ...registered, registerSeconds, registeredViaApi, seeding };
}

/** What a registration plan needs from the deployment, refused before any fan registers. */
function checkRegistration({ options, deployment }: DropRun, plan: DropPlan, viaApi: number): void {
  if (viaApi < plan.accounts && (!deployment.sql || !deployment.selfStarted || deployment.scryptLogN === null))
    throw new Error('--register below the number of accounts needs a self-started deployment');
  // A queue-mode waiting room takes confirmed addresses: the fans read their verification mail in Postgres.
  if (options.mode === 'queue' && viaApi > 0 && !deployment.sql)
    throw new Error(
      "--mode queue with --target needs --database-url: fans confirm their address with the mail's token",
    );
}

async function registerThroughApi(
  run: DropRun,
  plan: DropPlan,
  viaApi: number,
): Promise<Pick<Registration, 'accounts' | 'registerSamples' | 'errors'>> {
  const { crowd, reporter } = run;
  const seeded = viaApi < plan.accounts ? `, seeding ${n(plan.accounts - viaApi)} in Postgres` : '';
  reporter.info(`registering ${n(viaApi)} accounts through the API${seeded}…`);
  const stopDisplay = run.timers.every(250, () =>
    reporter.progress(`registering: ${n(crowd.counters().registered)}/${n(viaApi)}`),
  );
  const slice = Math.ceil(viaApi / crowd.processes.length);
  const answers = await Promise.all(
    crowd.processes.map((p, i) => {
      const answer = p.next('registered');
      p.send({
        type: 'register',
        urls: run.deployment.urls,
        from: Math.min(viaApi, i * slice),
        to: Math.min(viaApi, (i + 1) * slice),
        runId: run.runId,
      });
      return answer;
    }),
  );
  stopDisplay();
  const accounts = new Map<number, Account>();
  const registerSamples: number[] = [];
  const errors: ErrorCounts = {};
  for (const r of answers) {
    for (const [i, a] of r.accounts) accounts.set(i, a);
    registerSamples.push(...r.samples);
    mergeErrors(errors, r.errors);
  }
  return { accounts, registerSamples, errors };
}

/** Confirms the addresses of the accounts registered through the API, when the deployment's mail can be read. */
async function confirmRegistered(
  { deployment, reporter }: DropRun,
  registered: Pick<Registration, 'accounts' | 'errors'>,
): Promise<void> {
  const count = registered.accounts.size;
  if (count === 0 || !deployment.sql || !deployment.mailbox) return;
  const confirmStart = Date.now();
  const confirmed = await confirmAddresses(
    deployment.sql,
    deployment.mailbox,
    deployment.urls,
    [...registered.accounts.values()],
    registered.errors,
  );
  const seconds = ((Date.now() - confirmStart) / 1000).toFixed(1);
  reporter.info(`${n(confirmed)} of ${n(count)} addresses confirmed through the API in ${seconds} s`);
}

/** The accounts beyond --register, written into Postgres (checkRegistration made sure the deployment allows it). */
async function seedTheRest(
  { deployment, reporter, runId }: DropRun,
  plan: DropPlan,
  viaApi: number,
  accounts: Map<number, Account>,
): Promise<SeedingFacts> {
  const seedStart = Date.now();
  const indexes = Array.from({ length: plan.accounts - viaApi }, (_, k) => viaApi + k);
  for (const [i, a] of await seedFanAccounts(deployment.sql!, indexes, runId, deployment.scryptLogN!))
    accounts.set(i, a);
  const seeding = {
    accounts: indexes.length,
    seconds: Math.round((Date.now() - seedStart) / 100) / 10,
    scryptLogN: deployment.scryptLogN!,
  };
  reporter.info(`${n(indexes.length)} accounts seeded in Postgres in ${seeding.seconds} s`);
  return seeding;
}
