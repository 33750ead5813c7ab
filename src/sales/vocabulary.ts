/**
 * The on-sale's words, as plain values and types: its table stores them and its request schemas
 * validate them, both from this one list.
 */

/** `queue`: fans wait in the waiting room for a purchase token; `open`: anyone signed in may hold. */
export const onsaleModes = ['queue', 'open'] as const;
export type OnsaleMode = (typeof onsaleModes)[number];
export const onsaleStates = ['scheduled', 'paused', 'closed'] as const;
export type OnsaleState = (typeof onsaleStates)[number];
