-- Discovery's full-text search over an event's title, performers and description
-- (GET /v1/events?q=…). array_to_string is only STABLE, so it cannot appear in a generated
-- column directly; this wrapper is IMMUTABLE because for text[] its result depends on nothing
-- but its input. Title and performers weigh more than the description in ts_rank.
-- 'english' on both sides (here and in websearch_to_tsquery) so "concerts" finds "concert".
CREATE FUNCTION events_search_document(title text, description text, performers text[])
RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  select setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
      || setweight(to_tsvector('english'::regconfig, coalesce(array_to_string(performers, ' '), '')), 'A')
      || setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'C')
$$;
--> statement-breakpoint
-- Stored rather than an expression index: ranking reads the vector of every match, and
-- recomputing to_tsvector per row made "sort by relevance" ~7× slower at 100k events.
-- Declared here, not in src/catalog/catalog.table.ts (another capability's file); drizzle
-- never selects it, and Postgres keeps it in step with every INSERT and UPDATE.
ALTER TABLE "events" ADD COLUMN "search_document" tsvector
  GENERATED ALWAYS AS (events_search_document("title", "description", "performers")) STORED;
--> statement-breakpoint
-- Serves `search_document @@ websearch_to_tsquery('english', $q)`.
CREATE INDEX "events_search_idx" ON "events" USING gin ("search_document");
