/** The HTTP layer's pieces a benchmark measures on their own (bench:sizing: a rate-limit key's memory). */
export { RateLimiter } from './rate-limit.js';
