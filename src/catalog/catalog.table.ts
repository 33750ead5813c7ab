import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { users } from '../auth/auth.table.js';
import type { EventDescriptions } from './descriptions.js';
import { eventStatuses, tierKinds, type Transit } from './vocabulary.js';

export const venues = pgTable(
  'venues',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The organizer who created it; they (or an admin) may change it, any organizer may host an event there. */
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id),
    name: text('name').notNull(),
    address: text('address').notNull(),
    city: text('city').notNull(),
    /** ISO 3166-1 alpha-2. */
    country: text('country').notNull(),
    latitude: doublePrecision('latitude').notNull(),
    longitude: doublePrecision('longitude').notNull(),
    /** IANA zone (Europe/Paris): event times are stored in UTC and shown in the venue's local time. */
    timeZone: text('time_zone').notNull(),
    accessibility: text('accessibility')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    transit: jsonb('transit').$type<Transit>().notNull().default({ stops: [], parking: null }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Serves discovery's "near a point" search: a latitude band first, then longitude, then exact distance.
    index('venues_lat_lng_idx').on(t.latitude, t.longitude),
    check('venues_lat_range', sql`${t.latitude} between -90 and 90`),
    check('venues_lng_range', sql`${t.longitude} between -180 and 180`),
  ],
);

export const events = pgTable(
  'events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizerId: uuid('organizer_id')
      .notNull()
      .references(() => users.id),
    venueId: uuid('venue_id')
      .notNull()
      .references(() => venues.id),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    /**
     * The description in the other languages (`{ de, es }`), the organizer's own words; English
     * stays in `description` and is what a language without its own text falls back to.
     */
    descriptions: jsonb('descriptions').$type<EventDescriptions>().notNull().default({}),
    categories: text('categories')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    performers: text('performers')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
    doorsAt: timestamp('doors_at', { withTimezone: true }),
    endsAt: timestamp('ends_at', { withTimezone: true }),
    status: text('status', { enum: eventStatuses }).notNull().default('draft'),
    /** After this, a fan's cancellation is no longer refunded (null: never refundable by the fan). */
    refundableUntil: timestamp('refundable_until', { withTimezone: true }),
    transfersAllowed: boolean('transfers_allowed').notNull().default(true),
    /** Tickets one account may hold for this event across all its orders; null: no limit beyond the on-sale's. */
    perAccountLimit: integer('per_account_limit'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Serves discovery's date-range filter and "upcoming first" ordering.
    index('events_starts_at_idx').on(t.startsAt),
    // Serves discovery's category/interest filter (`categories && $1`).
    index('events_categories_idx').using('gin', t.categories),
    // Serves discovery's "events at this venue" and the venue join.
    index('events_venue_idx').on(t.venueId),
    // Serves the organizer console's "my events".
    index('events_organizer_idx').on(t.organizerId),
    check(
      'events_status_valid',
      sql`${t.status} in ('draft','scheduled','on_sale','sold_out','postponed','cancelled','completed')`,
    ),
    check('events_doors_before_start', sql`${t.doorsAt} is null or ${t.doorsAt} <= ${t.startsAt}`),
    check('events_ends_after_start', sql`${t.endsAt} is null or ${t.endsAt} > ${t.startsAt}`),
    check('events_limit_positive', sql`${t.perAccountLimit} is null or ${t.perAccountLimit} > 0`),
  ],
);

export const priceTiers = pgTable(
  'price_tiers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    kind: text('kind', { enum: tierKinds }).notNull(),
    /** Face value in minor units of `currency`. */
    priceCents: integer('price_cents').notNull(),
    /** The service fee per ticket; always shown added to the price ("all-in"), never revealed at checkout. */
    feeCents: integer('fee_cents').notNull().default(0),
    /** ISO 4217, upper case. */
    currency: text('currency').notNull(),
    sortOrder: integer('sort_order').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Also serves "the tiers of an event" (its leading column).
    unique('price_tiers_event_name_unique').on(t.eventId, t.name),
    check('price_tiers_kind_valid', sql`${t.kind} in ('reserved','ga')`),
    check('price_tiers_amounts', sql`${t.priceCents} >= 0 and ${t.feeCents} >= 0`),
    check('price_tiers_currency', sql`${t.currency} ~ '^[A-Z]{3}$'`),
  ],
);
