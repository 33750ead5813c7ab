import type { Role } from '../shared/vocabulary.js';

/** Who is calling: resolved from the bearer session once per request. */
export interface Principal {
  userId: string;
  sessionId: string;
  email: string;
  displayName: string;
  roles: Role[];
  emailVerified: boolean;
}
