-- Serves discovery's "near a point" search: for each venue inside the box, its events in the
-- date window (`venue_id = v.id and starts_at >= $from [and starts_at < $to]`) as one index
-- range. With only events_venue_idx and events_starts_at_idx the planner ANDs two bitmaps per
-- venue (~1 s for 100 venues at 100k events); with this index it is ~10 ms. Lives in
-- discovery's migration because events is declared in src/catalog/catalog.table.ts.
CREATE INDEX "events_venue_starts_idx" ON "events" USING btree ("venue_id", "starts_at");
--> statement-breakpoint
-- Events are written rarely and searched constantly: insert straight into the GIN tree rather
-- than through the pending list, which every full-text search would otherwise scan linearly
-- until the next (auto)vacuum (measured: 15 ms instead of 0.5 ms after a bulk load).
ALTER INDEX "events_search_idx" SET (fastupdate = off);
