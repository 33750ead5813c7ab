/** Broadcasting to sockets from any process, and the room and event names, for tools and benchmarks. */
export { createBroadcaster } from './broadcaster.js';
export { eventRoom, type QueueCursorPush, type QueueServerToClient } from './events.js';
