import { sql } from 'drizzle-orm';
import type { Db } from '../../src/db/index.js';

/**
 * Makes the demo door-staff account staff of every event of the demo organizer, so "Start
 * scanning" works on the demo catalogue as soon as it is there. Idempotent, and run on every
 * start: it also fills in a catalogue seeded before the demo had door staff, and the events the
 * demo organizer created since. Returns how many events it added the account to.
 */
export async function seedDoorStaff(db: Db): Promise<number> {
  const rows = await db.execute(sql`
    insert into event_staff (event_id, user_id, added_by)
    select e.id, staff.id, e.organizer_id
    from events e
    join users organizer on organizer.id = e.organizer_id and organizer.email = 'organizer@fairdrop.local'
    join users staff on staff.email = 'staff@fairdrop.local'
    on conflict do nothing
    returning event_id`);
  return [...rows].length;
}
