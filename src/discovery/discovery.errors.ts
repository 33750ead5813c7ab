import { AppError, notFound } from '../shared/errors.js';

/** Discovery's refusals. Bad query parameters answer `request.invalid` like every other endpoint. */
const badQuery = (field: string, code: string, message: string) =>
  new AppError(400, 'request.invalid', `Invalid query.${field}: ${message}.`, {
    errors: [{ in: 'query', field, code, message }],
  });

export const discoveryErrors = {
  eventNotFound: () => notFound('discovery.event_not_found', 'No published event with this id.'),
  badCursor: () => badQuery('cursor', 'invalid_cursor', 'is not a cursor of this search (start again without it)'),
  sortNeedsPoint: () =>
    badQuery('sort', 'needs_point', 'distance needs near=lat,lng, or a home location in your profile'),
};
