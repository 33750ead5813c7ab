import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/types.js';
import type { EncodedVariant } from './images.js';
import { eventBranding, eventMedia, mediaFiles, type MediaSlot, type StoredVariant } from './media.table.js';

export interface PictureRow {
  slot: MediaSlot;
  alt: string;
  width: number;
  height: number;
  variants: StoredVariant[];
}

export interface BrandingRow {
  accent: string | null;
  messages: Partial<Record<string, string>>;
}

/** One writer of an event's pictures at a time: two uploads at once must not delete each other's files. */
const lockEvent = (db: Db, eventId: string) =>
  db.execute(sql`select pg_advisory_xact_lock(hashtextextended('media:' || ${eventId}, 0))`);

/** Files of the event that no slot names any more (a replaced or removed picture's). */
const dropUnused = (db: Db, eventId: string) =>
  db.execute(sql`delete from media_files f where f.event_id = ${eventId}::uuid
    and not exists (select 1 from event_media m, jsonb_array_elements(m.variants) v
                    where m.event_id = f.event_id and v->>'file' = f.file)`);

/** Stores a slot's picture and its files in one transaction; the slot's previous files go with it. */
export async function savePicture(
  db: Db,
  eventId: string,
  picture: { slot: MediaSlot; alt: string; width: number; height: number; variants: EncodedVariant[] },
): Promise<PictureRow> {
  const variants: StoredVariant[] = picture.variants.map(({ name, width, height, file }) => ({
    name,
    width,
    height,
    file,
  }));
  await db.transaction(async (tx) => {
    await lockEvent(tx, eventId);
    await tx
      .insert(mediaFiles)
      .values(picture.variants.map((v) => ({ eventId, file: v.file, contentType: v.contentType, bytes: v.bytes })))
      .onConflictDoNothing();
    const row = { alt: picture.alt, width: picture.width, height: picture.height, variants, updatedAt: new Date() };
    await tx
      .insert(eventMedia)
      .values({ eventId, slot: picture.slot, ...row })
      .onConflictDoUpdate({ target: [eventMedia.eventId, eventMedia.slot], set: row });
    await dropUnused(tx, eventId);
  });
  return { slot: picture.slot, alt: picture.alt, width: picture.width, height: picture.height, variants };
}

export async function setAlt(db: Db, eventId: string, slot: MediaSlot, alt: string): Promise<PictureRow | undefined> {
  const [row] = await db
    .update(eventMedia)
    .set({ alt, updatedAt: new Date() })
    .where(and(eq(eventMedia.eventId, eventId), eq(eventMedia.slot, slot)))
    .returning(pictureColumns);
  return row;
}

/** Removes a slot's picture and its files; false when the slot was empty. */
export async function deletePicture(db: Db, eventId: string, slot: MediaSlot): Promise<boolean> {
  return db.transaction(async (tx) => {
    await lockEvent(tx, eventId);
    const gone = await tx
      .delete(eventMedia)
      .where(and(eq(eventMedia.eventId, eventId), eq(eventMedia.slot, slot)))
      .returning({ slot: eventMedia.slot });
    await dropUnused(tx, eventId);
    return gone.length > 0;
  });
}

const pictureColumns = {
  slot: eventMedia.slot,
  alt: eventMedia.alt,
  width: eventMedia.width,
  height: eventMedia.height,
  variants: eventMedia.variants,
};

export function findPictures(db: Db, eventId: string): Promise<PictureRow[]> {
  return db.select(pictureColumns).from(eventMedia).where(eq(eventMedia.eventId, eventId));
}

export async function findBranding(db: Db, eventId: string): Promise<BrandingRow | undefined> {
  const [row] = await db
    .select({ accent: eventBranding.accent, messages: eventBranding.messages })
    .from(eventBranding)
    .where(eq(eventBranding.eventId, eventId));
  return row;
}

export async function saveBranding(db: Db, eventId: string, branding: BrandingRow): Promise<void> {
  const row = { accent: branding.accent, messages: branding.messages, updatedAt: new Date() };
  await db
    .insert(eventBranding)
    .values({ eventId, ...row })
    .onConflictDoUpdate({ target: eventBranding.eventId, set: row });
}

/** A stored file by its name (the hash of its bytes and its extension). */
export async function findFile(db: Db, file: string): Promise<{ contentType: string; bytes: Buffer } | undefined> {
  const [row] = await db
    .select({ contentType: mediaFiles.contentType, bytes: mediaFiles.bytes })
    .from(mediaFiles)
    .where(eq(mediaFiles.file, file))
    .limit(1);
  return row;
}
