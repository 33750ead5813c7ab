ALTER TABLE "timeline_entries" ALTER COLUMN "signature" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "timeline_entries" ALTER COLUMN "key_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "holds" ADD COLUMN "request_hash" text;--> statement-breakpoint
CREATE INDEX "timeline_unsigned_idx" ON "timeline_entries" USING btree ("id") WHERE "timeline_entries"."signature" is null;