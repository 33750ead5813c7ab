ALTER TABLE "orders" ADD COLUMN "card_last4" text;--> statement-breakpoint
CREATE UNIQUE INDEX "orders_intent_unique" ON "orders" USING btree ("intent_id") WHERE "orders"."intent_id" is not null;