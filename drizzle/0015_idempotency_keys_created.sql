-- Rows written before keys were derived and answers sealed hold live session tokens in clear,
-- under keys the new code never looks up: drop them. A retry of one is simply a new request.
DELETE FROM "idempotency_keys";--> statement-breakpoint
CREATE INDEX "idempotency_keys_created_idx" ON "idempotency_keys" USING btree ("created_at");
