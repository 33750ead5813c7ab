/** The waiting room, as benchmarks build it: the engine with the product's keys, token secret and refusals. */
export { createWaitingRoom } from './room.js';
