DROP INDEX "checkins_nonce_unique";--> statement-breakpoint
ALTER TABLE "checkins" ADD COLUMN "claimed_at" timestamp (3) with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "checkins_event_nonce_unique" ON "checkins" USING btree ("event_id","nonce");