import { forbidden } from '../shared/errors.js';

export const reportsErrors = {
  notEventStaff: () =>
    forbidden(
      'reports.not_event_staff',
      "Only this event's organizer, an admin or the event's door staff may see its attendees and check-ins.",
    ),
};
