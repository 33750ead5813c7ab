import type { SalePhase, SaleView } from '../../../src/sales/phase.js';
import { h } from './dom.js';
import { number, t } from './i18n.js';

/**
 * The sale's phase in words. The server decides the phase (src/sales/phase.ts) and every page
 * reads it from the API; this is only its badge, the same on the event page, the waiting room
 * and the organizer console, so a fan and the organizer read the same word for the same moment.
 */

export type { SalePhase, SaleView };

const PHASE_KEYS: Record<SalePhase, string> = {
  draft: 'sale:phase.draft',
  announced: 'sale:phase.announced',
  scheduled: 'sale:phase.scheduled',
  prequeue: 'sale:phase.prequeue',
  drawing: 'sale:phase.drawing',
  admitting: 'sale:phase.admitting',
  on_sale: 'sale:phase.on_sale',
  paused: 'sale:phase.paused',
  sold_out: 'sale:phase.sold_out',
  ended: 'sale:phase.ended',
  postponed: 'sale:phase.postponed',
  cancelled: 'sale:phase.cancelled',
  completed: 'sale:phase.completed',
};

/** The phase in the page's language ("Waiting room open", "Warteraum geöffnet"). */
export const phaseLabel = (phase: SalePhase): string => t(PHASE_KEYS[phase]);

/** The phase's badge; its class (`badge-<phase>`) gives it its colour. */
export const phaseBadge = (phase: SalePhase): HTMLElement =>
  h('span', { class: `badge badge-${phase}`, 'data-phase': phase }, phaseLabel(phase));

/** A queue sale's waiting room is worth going to: it is open, or it is serving (or will serve again) its numbers. */
export const roomOpen = (phase: SalePhase): boolean =>
  phase === 'prequeue' || phase === 'drawing' || phase === 'admitting' || phase === 'paused' || phase === 'sold_out';

/**
 * "the 46 fans in the draw", or "everyone in the draw" while its size is unknown, as a phrase
 * to put in a sentence of the page's language (the organizer's console; the fan's pages write
 * whole sentences with the count instead).
 */
export const drawnCrowd = (sale: Pick<SaleView, 'drawSize'> | null): string =>
  sale?.drawSize === null || sale?.drawSize === undefined
    ? t('sale:drawnCrowd.unknown')
    : t('sale:drawnCrowd.fans', { count: sale.drawSize, n: number(sale.drawSize) });
