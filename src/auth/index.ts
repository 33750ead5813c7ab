/** Accounts and sessions, as tools and benchmarks use them (demo and simulated accounts, pre-made sessions). */
export { findUserByEmail, insertUser } from './auth.repository.js';
export { insertBulkAccounts } from './bulk-accounts.js';
export { hashPassword } from './password.js';
export type { Principal } from './principal.js';
export { SessionCache } from './session-cache.js';
