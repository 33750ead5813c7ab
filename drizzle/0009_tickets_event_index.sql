-- Serves the per-event ticket scans of src/cancellations and src/checkin: revoking every valid
-- ticket of a cancelled event (`event_id = $1 and status = 'valid'`), the offline bundle's
-- revocation list, and the holders a cancellation or change is announced to. Without it each
-- is a scan of every ticket ever sold. Written by hand (drizzle-kit --custom) because the
-- tickets table is declared in src/tickets/tickets.table.ts, which the orders code owns.
CREATE INDEX IF NOT EXISTS "tickets_event_status_idx" ON "tickets" USING btree ("event_id", "status");
