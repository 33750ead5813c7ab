import { Queue, Worker, type Job } from 'bullmq';
import type { Infra } from '../infra/types.js';
import { createKeys } from '../../queue/keys.js';
import { bullConnection, bullPrefix } from '../jobs/connection.js';
import type { JobModule } from '../jobs/runtime.js';
import type { QueueServerToClient } from '../realtime/events.js';
import { QueueReceiptWriter } from './receipts.js';
import { createWaitingRoom } from './room.js';
import { AdmissionScheduler, type EventTick, type SchedulerOptions, type TickRun } from './scheduler.js';
import { receiptSales } from '../sales/onsale.repository.js';
import { queueTurnNotices } from '../notifications/turn-notices.repository.js';
import { WaitingRoomService } from './waitingroom.service.js';
import { presaleRooms } from '../presales/presale-rooms.js';

/**
 * The admission scheduler and the receipt writer as BullMQ job schedulers: each is ONE
 * repeatable job id shared by every process that starts this module, so whichever worker is
 * free takes the next tick and exactly one tick runs at a time (BullMQ adds the next iteration
 * when a worker picks the current one up, so a process that dies mid-tick does not stop the
 * clock). Every API node may run the module: more nodes mean more candidates, not more ticks.
 */
export const ADMISSION_QUEUE = 'queue-admission';
export const RECEIPTS_QUEUE = 'queue-receipts';
/** Receipts trail the queue by about this much; each run writes up to 20 batches of 500 per event. */
const RECEIPTS_EVERY_MS = 1_000;

export interface AdmissionModuleOptions {
  tickMs?: number;
  /** Off: no receipt writer (a test that checks admission alone). */
  receipts?: boolean;
  /**
   * Called with every tick's per-event reports (tests use it to see which node admitted what)
   * and the slot of the schedule the tick was due at, so a takeover is counted in ticks of the
   * schedule rather than in wall-clock time that a loaded machine stretches.
   */
  onTick?: (ticks: EventTick[], run: TickRun) => void;
  /** Crash tests only: see SchedulerOptions.fault. */
  fault?: SchedulerOptions['fault'];
}

/**
 * The slot a job scheduler's iteration was due at: BullMQ names each iteration
 * `repeat:<scheduler id>:<slot ms>` (its delay is zeroed once it is promoted to run); any other
 * job was due at its creation plus its delay.
 */
export function dueAt(job: Pick<Job, 'id' | 'timestamp' | 'delay'>): number {
  const slot = /^repeat:.+:(\d+)$/.exec(job.id ?? '')?.[1];
  return slot === undefined ? job.timestamp + job.delay : Number(slot);
}

export function admissionModule(options: AdmissionModuleOptions = {}): JobModule {
  return {
    name: 'queue-admission',
    async start(infra: Infra) {
      const { config, logger } = infra;
      const tickMs = options.tickMs ?? config.QUEUE_TICK_MS;
      const keys = createKeys(config.REDIS_PREFIX);
      const room = createWaitingRoom(infra.redis, keys, infra.signer, infra.config);
      const sockets = infra.broadcaster.namespace<QueueServerToClient>('/queue');
      const db = infra.database.db;
      // Presale windows' rooms are ticked, and their receipts written, beside the events' own.
      const presales = presaleRooms(db);
      const service = new WaitingRoomService({
        db,
        redis: infra.redis,
        keys,
        room,
        signer: infra.signer,
        sockets,
        logger,
        presales,
      });
      const scheduler = new AdmissionScheduler(
        {
          db,
          redis: infra.redis,
          keys,
          room,
          service,
          sockets,
          logger,
          nodeId: config.NODE_ID,
          presales,
          // Web Push and mail for the admitted fans, written to the outbox behind the tick.
          // A presale window's room (its own id) names its event for the words and links its room.
          onAdmitted: (eventId, admitted, tokenTtlMs, stockEventId) =>
            void queueTurnNotices(db, {
              eventId: stockEventId ?? eventId,
              roomId: eventId,
              admitted,
              tokenTtlMs,
              publicUrl: config.PUBLIC_URL ?? `http://localhost:${config.PORT}`,
            }).catch((err: unknown) => logger.warn({ err, eventId }, 'turn notices not queued')),
        },
        {
          tickMs,
          ticketsPerFan: config.QUEUE_TICKETS_PER_FAN,
          tokenReserveMs: config.QUEUE_TOKEN_RESERVE_SECONDS * 1000,
          fault: options.fault,
        },
      );
      const writer = new QueueReceiptWriter({ db, redis: infra.redis, keys, room, signer: infra.signer });

      const connection = bullConnection(config);
      const prefix = bullPrefix(config);
      const closers: (() => Promise<unknown>)[] = [];
      const schedule = async (name: string, every: number, work: (job: Job) => Promise<unknown>) => {
        const queue = new Queue(name, { connection, prefix });
        // Upserting the same id from every process is idempotent: one schedule, whoever wrote it last.
        await queue.upsertJobScheduler(
          'tick',
          { every },
          { name: 'tick', opts: { removeOnComplete: true, removeOnFail: 100 } },
        );
        // Concurrency 1: this process never runs two ticks at once.
        const worker = new Worker(name, work, { connection, prefix, concurrency: 1 });
        worker.on('failed', (job, err) => logger.warn({ err, jobId: job?.id, queue: name }, 'waiting-room job failed'));
        worker.on('error', (err) => logger.warn({ err, queue: name }, 'waiting-room worker error'));
        closers.push(
          () => worker.close(),
          () => queue.close(),
        );
      };

      await schedule(ADMISSION_QUEUE, tickMs, async (job) => {
        const run = { dueAt: dueAt(job) };
        const ticks = await scheduler.tick(Date.now(), run);
        options.onTick?.(ticks, run);
        return ticks.length;
      });
      if (options.receipts !== false) {
        await schedule(RECEIPTS_QUEUE, RECEIPTS_EVERY_MS, async () => {
          let written = 0;
          const rooms = [...(await receiptSales(db, new Date())), ...(await presales.receiptRooms(new Date()))];
          for (const eventId of rooms) written += await writer.flush(eventId);
          return written;
        });
      }
      return {
        close: async () => {
          for (const close of closers) await close();
          await connection.quit();
        },
      };
    },
  };
}
