import type { z } from 'zod';
import type { attendeesSchema, checkinStatsSchema, reportSchema } from '../../../src/reports/reports.schemas.js';

export type Report = z.output<typeof reportSchema>;
export type AttendeePage = z.output<typeof attendeesSchema>;
export type CheckinStats = z.output<typeof checkinStatsSchema>;
