import { AppError, badRequest, conflict, forbidden, notFound, type FieldProblem } from '../shared/errors.js';

/** The catalog's refusals, each with its stable code. */
export const catalogErrors = {
  venueNotFound: () => notFound('catalog.venue_not_found', 'No venue with this id.'),
  eventNotFound: () => notFound('catalog.event_not_found', 'No event with this id.'),
  tierNotFound: () => notFound('catalog.tier_not_found', 'This event has no price tier with this id.'),
  notOrganizer: () => forbidden('catalog.not_organizer', "Only this event's organizer or an admin may change it."),
  notVenueOwner: () =>
    forbidden('catalog.not_venue_owner', 'Only the organizer who created this venue or an admin may change it.'),
  tierNameTaken: () => conflict('catalog.tier_name_taken', 'This event already has a tier with this name.'),
  seatExists: () =>
    conflict(
      'catalog.seat_exists',
      'A seat in this layout already exists for this event (same section, row and number).',
    ),
  currencyMismatch: (currency: string) =>
    new AppError(
      400,
      'catalog.currency_mismatch',
      `Every tier of an event uses one currency; this event sells in ${currency}.`,
      {
        errors: [{ in: 'body', field: 'currency', code: 'currency_mismatch', message: `must be ${currency}` }],
      },
    ),
  wrongTierKind: (field: string, expected: 'reserved' | 'ga') =>
    new AppError(
      400,
      'catalog.wrong_tier_kind',
      `This needs a ${expected === 'ga' ? 'general-admission' : 'reserved'} tier.`,
      {
        errors: [{ in: 'body', field, code: 'wrong_tier_kind', message: `must be a ${expected} tier` }],
      },
    ),
  capacityBelowTaken: () =>
    new AppError(409, 'catalog.capacity_below_taken', 'Capacity cannot go below the tickets already held or sold.', {
      errors: [{ in: 'body', field: 'capacity', code: 'below_taken', message: 'is below held + sold' }],
    }),
  eventClosed: (status: string) =>
    conflict('catalog.event_closed', `A ${status} event can no longer be changed this way.`),
  badStatusChange: (from: string, to: string) =>
    new AppError(409, 'catalog.status_change_refused', `An event cannot go from ${from} to ${to}.`, {
      errors: [{ in: 'body', field: 'status', code: 'transition', message: `not allowed from ${from}` }],
    }),
  /** A published event's time or place moves through POST …/changes or …/postpone, which tell its holders. */
  announceChanges: (fields: readonly string[]) =>
    new AppError(
      409,
      'catalog.change_needs_announcement',
      'A published event is moved (start, doors, venue) with POST /v1/events/:id/changes or /postpone, which tells its ticket holders and watchers.',
      {
        errors: fields.map((field) => ({
          in: 'body' as const,
          field,
          code: 'needs_announcement',
          message: 'changes through POST /v1/events/:id/changes or /postpone',
        })),
      },
    ),
  refundDeadlineShortened: () =>
    new AppError(
      409,
      'catalog.refund_deadline_shortened',
      'Fans bought under the refund deadline a published event showed them: it can be extended, not shortened or removed.',
      {
        errors: [
          {
            in: 'body',
            field: 'policies.refundableUntil',
            code: 'shortened',
            message: 'must not be earlier than the current deadline',
          },
        ],
      },
    ),
  completedTooEarly: () =>
    new AppError(409, 'catalog.status_change_refused', 'An event can be marked completed only once it has started.', {
      errors: [{ in: 'body', field: 'status', code: 'not_started', message: 'not before the event starts' }],
    }),
  venueNotYours: () =>
    new AppError(
      403,
      'catalog.not_venue_owner',
      "An event takes place at a venue its organizer created: another organizer's venue can change under it.",
      {
        errors: [{ in: 'body', field: 'venueId', code: 'not_venue_owner', message: "is another organizer's venue" }],
      },
    ),
  adminScopeOnly: () =>
    new AppError(403, 'catalog.admin_scope_only', "Only an admin may list every organizer's events and venues.", {
      errors: [{ in: 'query', field: 'scope', code: 'admin_only', message: 'must be mine unless you are an admin' }],
    }),
  invalid: (errors: FieldProblem[]) =>
    badRequest('request.invalid', `Invalid ${errors.map((e) => `${e.in}.${e.field}`).join(', ')}.`, errors),
};
