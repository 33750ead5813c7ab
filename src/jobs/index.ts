import { outboxDispatcher } from '../notifications/dispatcher.js';
import type { JobModule } from './runtime.js';

/** Every background module, in start order. */
export const jobModules: JobModule[] = [outboxDispatcher];
