import type { Infra } from '../infra/types.js';

/**
 * A background capability (hold expiry, admission scheduler, refunds, mail delivery). Each
 * module starts its BullMQ workers and repeatable jobs and returns how to stop them. The
 * worker process runs every module; `npm start` runs them in-process when RUN_WORKERS is on.
 */
export interface JobModule {
  name: string;
  start(infra: Infra): Promise<{ close(): Promise<void> }>;
}

export async function startJobModules(infra: Infra, modules: readonly JobModule[]): Promise<() => Promise<void>> {
  const running: { name: string; close(): Promise<void> }[] = [];
  for (const module of modules) {
    running.push({ name: module.name, ...(await module.start(infra)) });
    infra.logger.info({ module: module.name }, 'job module started');
  }
  return async () => {
    for (const r of running.reverse()) {
      await r
        .close()
        .catch((err: unknown) => infra.logger.warn({ err, module: r.name }, 'job module did not stop cleanly'));
    }
  };
}
