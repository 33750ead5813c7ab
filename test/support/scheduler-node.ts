import { writeSync } from 'node:fs';
import { boot, configOrExit } from '../../src/boot.js';
import { createLogger } from '../../src/logger.js';
import { admissionModule } from '../../src/waitingroom/scheduler.jobs.js';

/**
 * A process that runs the admission scheduler alone, as an API node or the worker would, for
 * the test that kills a scheduler inside a tick (test/integration/waitingroom.sigkill.test.ts).
 * Configured by the environment like `npm start`. It writes one JSON line per event per tick on
 * stdout; once the parent sends `arm` over IPC, the next admission batch it makes is its last:
 * it writes what it admitted and SIGKILLs itself right there, lock held, cursor unpublished.
 * Writes are synchronous (writeSync to the stdout pipe) so the parent reads every line the
 * process wrote before it died.
 */
const config = configOrExit(process.env);
const logger = createLogger(config);
const line = (value: object) => writeSync(1, `${JSON.stringify(value)}\n`);

const { infra } = await boot(config, logger);
let armed = false;
process.on('message', (message) => {
  if (message === 'arm') armed = true;
});
// The parent going away (its test ended or died) takes this process with it.
process.on('disconnect', () => process.exit(0));

await admissionModule({
  receipts: false,
  onTick: (ticks, run) => {
    for (const t of ticks) line({ tick: { ...t, ...run } });
  },
  fault: (point, at) => {
    if (!armed) return;
    line({ killed: { point, node: config.NODE_ID, ...at } });
    process.kill(process.pid, 'SIGKILL');
  },
}).start(infra);
line({ ready: config.NODE_ID });
