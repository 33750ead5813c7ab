CREATE TABLE "resale_listings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"ticket_id" uuid NOT NULL,
	"event_id" uuid NOT NULL,
	"seller_id" uuid NOT NULL,
	"order_id" uuid NOT NULL,
	"ticket_version" integer NOT NULL,
	"face_value_cents" integer NOT NULL,
	"price_cents" integer NOT NULL,
	"fee_cents" integer NOT NULL,
	"currency" text NOT NULL,
	"status" text DEFAULT 'listed' NOT NULL,
	"open_at" timestamp (3) with time zone,
	"buyer_id" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp (3) with time zone,
	CONSTRAINT "resale_listings_status_valid" CHECK ("resale_listings"."status" in ('listed','sold','withdrawn')),
	CONSTRAINT "resale_listings_price_capped" CHECK ("resale_listings"."price_cents" > 0 and "resale_listings"."price_cents" <= "resale_listings"."face_value_cents" and "resale_listings"."fee_cents" >= 0 and "resale_listings"."fee_cents" < "resale_listings"."price_cents"),
	CONSTRAINT "resale_listings_sold_has_buyer" CHECK (("resale_listings"."status" = 'sold') = ("resale_listings"."buyer_id" is not null))
);
--> statement-breakpoint
CREATE TABLE "resale_offers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"listing_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"waitlist_entry_id" uuid NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "resale_offers_status_valid" CHECK ("resale_offers"."status" in ('open','bought','passed','lapsed','ended'))
);
--> statement-breakpoint
CREATE TABLE "resale_payouts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"listing_id" uuid NOT NULL,
	"seller_id" uuid NOT NULL,
	"order_id" uuid NOT NULL,
	"purchase_id" uuid NOT NULL,
	"amount_cents" integer NOT NULL,
	"currency" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "resale_payouts_listing_id_unique" UNIQUE("listing_id"),
	CONSTRAINT "resale_payouts_amount_nonnegative" CHECK ("resale_payouts"."amount_cents" >= 0)
);
--> statement-breakpoint
CREATE TABLE "resale_purchases" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"listing_id" uuid NOT NULL,
	"buyer_id" uuid NOT NULL,
	"method" text NOT NULL,
	"provider" text NOT NULL,
	"intent_id" text,
	"gift_card_id" uuid,
	"amount_cents" integer NOT NULL,
	"currency" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"card_last4" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "resale_purchases_amount_positive" CHECK ("resale_purchases"."amount_cents" > 0),
	CONSTRAINT "resale_purchases_status_valid" CHECK ("resale_purchases"."status" in ('pending','authorized','committed','captured','voided','declined'))
);
--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "resale_listing_id" uuid;--> statement-breakpoint
ALTER TABLE "event_ticket_settings" ADD COLUMN "resale_enabled" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "event_ticket_settings" ADD COLUMN "resale_cap_percent" integer DEFAULT 100 NOT NULL;--> statement-breakpoint
ALTER TABLE "resale_listings" ADD CONSTRAINT "resale_listings_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resale_listings" ADD CONSTRAINT "resale_listings_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resale_listings" ADD CONSTRAINT "resale_listings_seller_id_users_id_fk" FOREIGN KEY ("seller_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resale_listings" ADD CONSTRAINT "resale_listings_buyer_id_users_id_fk" FOREIGN KEY ("buyer_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resale_offers" ADD CONSTRAINT "resale_offers_listing_id_resale_listings_id_fk" FOREIGN KEY ("listing_id") REFERENCES "public"."resale_listings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resale_offers" ADD CONSTRAINT "resale_offers_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resale_payouts" ADD CONSTRAINT "resale_payouts_listing_id_resale_listings_id_fk" FOREIGN KEY ("listing_id") REFERENCES "public"."resale_listings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resale_payouts" ADD CONSTRAINT "resale_payouts_seller_id_users_id_fk" FOREIGN KEY ("seller_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resale_payouts" ADD CONSTRAINT "resale_payouts_purchase_id_resale_purchases_id_fk" FOREIGN KEY ("purchase_id") REFERENCES "public"."resale_purchases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resale_purchases" ADD CONSTRAINT "resale_purchases_listing_id_resale_listings_id_fk" FOREIGN KEY ("listing_id") REFERENCES "public"."resale_listings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resale_purchases" ADD CONSTRAINT "resale_purchases_buyer_id_users_id_fk" FOREIGN KEY ("buyer_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "resale_listings_live_ticket_unique" ON "resale_listings" USING btree ("ticket_id") WHERE "resale_listings"."status" = 'listed';--> statement-breakpoint
CREATE INDEX "resale_listings_event_live_idx" ON "resale_listings" USING btree ("event_id","created_at") WHERE "resale_listings"."status" = 'listed';--> statement-breakpoint
CREATE INDEX "resale_listings_seller_idx" ON "resale_listings" USING btree ("seller_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "resale_offers_open_unique" ON "resale_offers" USING btree ("listing_id") WHERE "resale_offers"."status" = 'open';--> statement-breakpoint
CREATE UNIQUE INDEX "resale_offers_listing_user_unique" ON "resale_offers" USING btree ("listing_id","user_id");--> statement-breakpoint
CREATE INDEX "resale_offers_open_expiry_idx" ON "resale_offers" USING btree ("expires_at") WHERE "resale_offers"."status" = 'open';--> statement-breakpoint
CREATE UNIQUE INDEX "resale_purchases_one_winner" ON "resale_purchases" USING btree ("listing_id") WHERE "resale_purchases"."status" in ('committed','captured');--> statement-breakpoint
CREATE UNIQUE INDEX "resale_purchases_intent_unique" ON "resale_purchases" USING btree ("intent_id") WHERE "resale_purchases"."intent_id" is not null;--> statement-breakpoint
CREATE INDEX "resale_purchases_committed_idx" ON "resale_purchases" USING btree ("updated_at") WHERE "resale_purchases"."status" = 'committed';--> statement-breakpoint
ALTER TABLE "event_ticket_settings" ADD CONSTRAINT "event_ticket_settings_resale_cap" CHECK ("event_ticket_settings"."resale_cap_percent" between 1 and 100);