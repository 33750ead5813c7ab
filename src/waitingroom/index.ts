/** The waiting room, as benchmarks build it: the engine with the product's keys, token secret and refusals. */
export { createWaitingRoom } from './room.js';
/** When pre-queue fans without a socket are sent back after the draw (the simulator's pollers follow it). */
export { drawReturnWindowSeconds } from './waitingroom.service.js';
/** The lottery's public check, as `npm run verify-lottery` runs it (the waiting-room page runs the same). */
export {
  checkPublishedLottery,
  drawConfirmed,
  lotteryCheckWords,
  LotteryRecordError,
  type LotteryCheck,
} from './lottery-check.js';
