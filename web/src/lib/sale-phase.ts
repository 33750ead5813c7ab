import type { SalePhase, SaleView } from '../../../src/sales/phase.js';
import { h } from './dom.js';

/**
 * The sale's phase in words. The server decides the phase (src/sales/phase.ts) and every page
 * reads it from the API; this is only its badge, the same on the event page, the waiting room
 * and the organizer console, so a fan and the organizer read the same word for the same moment.
 */

export type { SalePhase, SaleView };

export const phaseLabels: Record<SalePhase, string> = {
  draft: 'Draft',
  announced: 'Not on sale yet',
  scheduled: 'On sale soon',
  prequeue: 'Waiting room open',
  drawing: 'Draw under way',
  admitting: 'On sale · waiting room',
  on_sale: 'On sale',
  paused: 'Sale paused',
  sold_out: 'Sold out',
  ended: 'Sales ended',
  postponed: 'Postponed',
  cancelled: 'Cancelled',
  completed: 'Took place',
};

/** The phase's badge; its class (`badge-<phase>`) gives it its colour. */
export const phaseBadge = (phase: SalePhase): HTMLElement =>
  h('span', { class: `badge badge-${phase}`, 'data-phase': phase }, phaseLabels[phase]);

/** A queue sale's waiting room is worth going to: it is open, or it is serving (or will serve again) its numbers. */
export const roomOpen = (phase: SalePhase): boolean =>
  phase === 'prequeue' || phase === 'drawing' || phase === 'admitting' || phase === 'paused' || phase === 'sold_out';

/** "the 46 fans in the draw", or "everyone in the draw" while its size is unknown. */
export const drawnCrowd = (sale: Pick<SaleView, 'drawSize'> | null): string =>
  sale?.drawSize === null || sale?.drawSize === undefined
    ? 'everyone in the draw'
    : sale.drawSize === 1
      ? 'the 1 fan in the draw'
      : `the ${sale.drawSize.toLocaleString()} fans in the draw`;
