import { AppError, conflict, forbidden } from '../shared/errors.js';

/**
 * Refusals of the waiting room's HTTP side. The engine's own refusals (queue.closed,
 * queue.token_*, …) come from queue/errors.ts; these add what only the on-sale settings know.
 */
export const waitingRoomErrors = {
  notOpen: (opensAt: Date | null) =>
    conflict(
      'queue.not_open',
      opensAt ? `The waiting room opens at ${opensAt.toISOString()}.` : 'The waiting room for this event is not open.',
      {
        opensAt: opensAt?.toISOString() ?? null,
      },
    ),
  closed: (reason: string) => conflict('queue.closed', `The waiting room for this event is closed (${reason}).`),
  notQueueMode: () =>
    conflict(
      'queue.not_queue_mode',
      'This event sells without a waiting room: hold seats directly once the sale opens.',
    ),
  noOnsale: () => new AppError(404, 'queue.no_onsale', 'This event has no on-sale yet.'),
  notDrawn: () =>
    conflict('queue.not_drawn', 'The lottery has not been drawn yet; the seed is revealed after the draw.'),
  powRequired: (difficulty: number) =>
    new AppError(
      400,
      'queue.pow_required',
      `This waiting room asks for a proof of work of ${difficulty} bits: fetch a challenge first.`,
      {
        errors: [{ in: 'body', field: 'challenge', code: 'required', message: 'required (GET …/queue/challenge)' }],
        data: { difficulty },
      },
    ),
  powInvalid: (why: string) =>
    new AppError(400, 'queue.pow_invalid', `The proof of work was refused: ${why}.`, {
      errors: [{ in: 'body', field: 'nonce', code: 'invalid', message: why }],
    }),
  emailUnverified: () =>
    forbidden(
      'queue.email_unverified',
      'Confirm your email address to join this waiting room: open the link in the mail we sent you, or ask for a new link (POST /v1/auth/resend-verification).',
    ),
  wrongState: (state: string, wanted: string) =>
    conflict('queue.wrong_state', `The on-sale is ${state}; ${wanted}.`, { state }),
};
