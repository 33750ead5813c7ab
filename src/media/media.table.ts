import { sql } from 'drizzle-orm';
import {
  check,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { events } from '../catalog/catalog.table.js';
import { mediaSlots, type StoredVariant } from './vocabulary.js';

export { mediaSlots, type MediaSlot, type StoredVariant } from './vocabulary.js';

/** Raw bytes; postgres.js reads and writes a bytea as a Buffer. */
const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

/**
 * The encoded files of an event's pictures, in Postgres so that every API node serves them
 * with no shared disk. A file is named by the hash of its bytes: its URL never changes
 * meaning, so browsers and proxies may keep it for a year. Keyed by event too, so that the
 * same bytes uploaded for two events are two rows and deleting one event's leaves the other's.
 */
export const mediaFiles = pgTable(
  'media_files',
  {
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    file: text('file').notNull(),
    contentType: text('content_type').notNull(),
    bytes: bytea('bytes').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.eventId, t.file] }),
    // Serves GET /v1/media/:file, which knows only the file's name.
    index('media_files_file_idx').on(t.file),
  ],
);

/** An event's picture in one slot (its image, its queue-page logo): the words for it and its sizes. */
export const eventMedia = pgTable(
  'event_media',
  {
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    slot: text('slot', { enum: mediaSlots }).notNull(),
    alt: text('alt').notNull(),
    /** The uploaded picture's own size, before any resizing. */
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    variants: jsonb('variants').$type<StoredVariant[]>().notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.eventId, t.slot] }),
    check('event_media_slot_valid', sql`${t.slot} in ('image','logo')`),
  ],
);

/** The organizer's branding of an event's queue page: an accent colour and a message per language. */
export const eventBranding = pgTable(
  'event_branding',
  {
    eventId: uuid('event_id')
      .primaryKey()
      .references(() => events.id, { onDelete: 'cascade' }),
    /** `#rrggbb`, lower case, checked for contrast when set; null: the site's own colour. */
    accent: text('accent'),
    /** Plain text per language (`en`, `de`, `es`); a missing language falls back to `en`. */
    messages: jsonb('messages').$type<Partial<Record<string, string>>>().notNull().default({}),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check('event_branding_accent_form', sql`${t.accent} is null or ${t.accent} ~ '^#[0-9a-f]{6}$'`)],
);
