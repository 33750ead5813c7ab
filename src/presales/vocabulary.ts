/**
 * The words of presales, shared by the API and the pages (web/ imports this file: no Node APIs).
 *
 * A window's gate says who may buy in it: holders of a code (`code`), accounts or addresses on
 * its list (`allowlist`), or the event's own people only (`staff`: its organizer and door staff,
 * who also pass every other window's gate). Its mode says how: `queue` is a waiting room of
 * its own (pre-queue, lottery, admission, purchase tokens), `open` lets eligible accounts hold
 * from the window's opening.
 */
export const presaleGates = ['code', 'allowlist', 'staff'] as const;
export type PresaleGate = (typeof presaleGates)[number];

export const presaleModes = ['queue', 'open'] as const;
export type PresaleMode = (typeof presaleModes)[number];

/** `closed`: the window's room was closed (its end came, or the organizer closed it). */
export const presaleStates = ['scheduled', 'closed'] as const;
export type PresaleState = (typeof presaleStates)[number];
