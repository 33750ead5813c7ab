ALTER TABLE "gift_cards" ADD COLUMN "scope_organizer_id" uuid;--> statement-breakpoint
ALTER TABLE "gift_cards" ADD COLUMN "request_hash" text;--> statement-breakpoint
ALTER TABLE "gift_cards" ADD CONSTRAINT "gift_cards_scope_organizer_id_users_id_fk" FOREIGN KEY ("scope_organizer_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "gift_cards_issuer_idx" ON "gift_cards" USING btree ("created_by","created_at","id") WHERE "gift_cards"."source" = 'issued';--> statement-breakpoint
CREATE INDEX "gift_cards_issued_idx" ON "gift_cards" USING btree ("created_at","id") WHERE "gift_cards"."source" = 'issued';--> statement-breakpoint
ALTER TABLE "gift_cards" ADD CONSTRAINT "gift_cards_scope_issued_only" CHECK ("gift_cards"."scope_organizer_id" is null or "gift_cards"."source" = 'issued');--> statement-breakpoint
-- Cards organizers issued before scoping existed pay only for their issuer's events from now on:
-- they were never meant to be platform money. Admins' cards stay platform cards.
UPDATE "gift_cards" SET "scope_organizer_id" = "gift_cards"."created_by"
  FROM "users"
  WHERE "users"."id" = "gift_cards"."created_by" AND "gift_cards"."source" = 'issued' AND NOT ('admin' = ANY("users"."roles"));
