CREATE TABLE "events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organizer_id" uuid NOT NULL,
	"venue_id" uuid NOT NULL,
	"title" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"categories" text[] DEFAULT '{}'::text[] NOT NULL,
	"performers" text[] DEFAULT '{}'::text[] NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"doors_at" timestamp with time zone,
	"ends_at" timestamp with time zone,
	"status" text DEFAULT 'draft' NOT NULL,
	"refundable_until" timestamp with time zone,
	"transfers_allowed" boolean DEFAULT true NOT NULL,
	"per_account_limit" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "events_status_valid" CHECK ("events"."status" in ('draft','scheduled','on_sale','sold_out','postponed','cancelled','completed')),
	CONSTRAINT "events_doors_before_start" CHECK ("events"."doors_at" is null or "events"."doors_at" <= "events"."starts_at"),
	CONSTRAINT "events_ends_after_start" CHECK ("events"."ends_at" is null or "events"."ends_at" > "events"."starts_at"),
	CONSTRAINT "events_limit_positive" CHECK ("events"."per_account_limit" is null or "events"."per_account_limit" > 0)
);
--> statement-breakpoint
CREATE TABLE "price_tiers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"event_id" uuid NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"price_cents" integer NOT NULL,
	"fee_cents" integer DEFAULT 0 NOT NULL,
	"currency" text NOT NULL,
	"sort_order" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "price_tiers_event_name_unique" UNIQUE("event_id","name"),
	CONSTRAINT "price_tiers_kind_valid" CHECK ("price_tiers"."kind" in ('reserved','ga')),
	CONSTRAINT "price_tiers_amounts" CHECK ("price_tiers"."price_cents" >= 0 and "price_tiers"."fee_cents" >= 0),
	CONSTRAINT "price_tiers_currency" CHECK ("price_tiers"."currency" ~ '^[A-Z]{3}$')
);
--> statement-breakpoint
CREATE TABLE "venues" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid NOT NULL,
	"name" text NOT NULL,
	"address" text NOT NULL,
	"city" text NOT NULL,
	"country" text NOT NULL,
	"latitude" double precision NOT NULL,
	"longitude" double precision NOT NULL,
	"time_zone" text NOT NULL,
	"accessibility" text[] DEFAULT '{}'::text[] NOT NULL,
	"transit" jsonb DEFAULT '{"stops":[],"parking":null}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "venues_lat_range" CHECK ("venues"."latitude" between -90 and 90),
	CONSTRAINT "venues_lng_range" CHECK ("venues"."longitude" between -180 and 180)
);
--> statement-breakpoint
CREATE TABLE "holds" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"event_id" uuid NOT NULL,
	"tier_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"quantity" integer NOT NULL,
	"seat_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"unit_price_cents" integer NOT NULL,
	"unit_fee_cents" integer NOT NULL,
	"currency" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"idempotency_key" text NOT NULL,
	"purchase_token_hash" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp (3) with time zone,
	CONSTRAINT "holds_status_valid" CHECK ("holds"."status" in ('active','released','expired','converted')),
	CONSTRAINT "holds_kind_valid" CHECK ("holds"."kind" in ('seats','ga')),
	CONSTRAINT "holds_quantity_positive" CHECK ("holds"."quantity" > 0),
	CONSTRAINT "holds_seats_match" CHECK ("holds"."kind" = 'ga' or cardinality("holds"."seat_ids") = "holds"."quantity"),
	CONSTRAINT "holds_ended_when_not_active" CHECK (("holds"."status" = 'active') = ("holds"."ended_at" is null))
);
--> statement-breakpoint
CREATE TABLE "ga_inventory" (
	"tier_id" uuid PRIMARY KEY NOT NULL,
	"event_id" uuid NOT NULL,
	"capacity" integer NOT NULL,
	"held" integer DEFAULT 0 NOT NULL,
	"sold" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "ga_inventory_non_negative" CHECK ("ga_inventory"."capacity" >= 0 and "ga_inventory"."held" >= 0 and "ga_inventory"."sold" >= 0),
	CONSTRAINT "ga_inventory_within_capacity" CHECK ("ga_inventory"."held" + "ga_inventory"."sold" <= "ga_inventory"."capacity")
);
--> statement-breakpoint
CREATE TABLE "seats" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"event_id" uuid NOT NULL,
	"tier_id" uuid NOT NULL,
	"section" text NOT NULL,
	"row" text NOT NULL,
	"row_index" integer NOT NULL,
	"number" integer NOT NULL,
	"accessible" boolean DEFAULT false NOT NULL,
	"status" text DEFAULT 'available' NOT NULL,
	"hold_id" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "seats_position_unique" UNIQUE("event_id","section","row","number"),
	CONSTRAINT "seats_status_valid" CHECK ("seats"."status" in ('available','held','sold')),
	CONSTRAINT "seats_hold_matches_status" CHECK (("seats"."status" = 'available') = ("seats"."hold_id" is null)),
	CONSTRAINT "seats_number_positive" CHECK ("seats"."number" > 0 and "seats"."row_index" > 0)
);
--> statement-breakpoint
CREATE TABLE "onsale_audit" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"event_id" uuid NOT NULL,
	"actor_id" uuid,
	"action" text NOT NULL,
	"before" jsonb,
	"after" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "onsale_settings" (
	"event_id" uuid PRIMARY KEY NOT NULL,
	"mode" text NOT NULL,
	"prequeue_opens_at" timestamp with time zone,
	"sale_starts_at" timestamp with time zone NOT NULL,
	"sale_ends_at" timestamp with time zone,
	"admit_per_minute" integer,
	"batch_size" integer,
	"tick_seconds" integer,
	"purchase_token_ttl_seconds" integer DEFAULT 600 NOT NULL,
	"hold_ttl_seconds" integer DEFAULT 480 NOT NULL,
	"per_account_limit" integer,
	"pow_difficulty" integer DEFAULT 0 NOT NULL,
	"state" text DEFAULT 'scheduled' NOT NULL,
	"updated_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "onsale_mode_valid" CHECK ("onsale_settings"."mode" in ('queue','open')),
	CONSTRAINT "onsale_state_valid" CHECK ("onsale_settings"."state" in ('scheduled','paused','closed')),
	CONSTRAINT "onsale_times_ordered" CHECK (("onsale_settings"."prequeue_opens_at" is null or "onsale_settings"."prequeue_opens_at" <= "onsale_settings"."sale_starts_at") and ("onsale_settings"."sale_ends_at" is null or "onsale_settings"."sale_ends_at" > "onsale_settings"."sale_starts_at")),
	CONSTRAINT "onsale_ttls_positive" CHECK ("onsale_settings"."hold_ttl_seconds" > 0 and "onsale_settings"."purchase_token_ttl_seconds" > 0),
	CONSTRAINT "onsale_pow_range" CHECK ("onsale_settings"."pow_difficulty" between 0 and 32),
	CONSTRAINT "onsale_limit_positive" CHECK ("onsale_settings"."per_account_limit" is null or "onsale_settings"."per_account_limit" > 0)
);
--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_organizer_id_users_id_fk" FOREIGN KEY ("organizer_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_venue_id_venues_id_fk" FOREIGN KEY ("venue_id") REFERENCES "public"."venues"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "price_tiers" ADD CONSTRAINT "price_tiers_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "venues" ADD CONSTRAINT "venues_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "holds" ADD CONSTRAINT "holds_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "holds" ADD CONSTRAINT "holds_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "holds" ADD CONSTRAINT "holds_tier_id_price_tiers_id_fk" FOREIGN KEY ("tier_id") REFERENCES "public"."price_tiers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ga_inventory" ADD CONSTRAINT "ga_inventory_tier_id_price_tiers_id_fk" FOREIGN KEY ("tier_id") REFERENCES "public"."price_tiers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ga_inventory" ADD CONSTRAINT "ga_inventory_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "seats" ADD CONSTRAINT "seats_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "seats" ADD CONSTRAINT "seats_tier_id_price_tiers_id_fk" FOREIGN KEY ("tier_id") REFERENCES "public"."price_tiers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "seats" ADD CONSTRAINT "seats_hold_id_holds_id_fk" FOREIGN KEY ("hold_id") REFERENCES "public"."holds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "onsale_audit" ADD CONSTRAINT "onsale_audit_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "onsale_audit" ADD CONSTRAINT "onsale_audit_actor_id_users_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "onsale_settings" ADD CONSTRAINT "onsale_settings_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "onsale_settings" ADD CONSTRAINT "onsale_settings_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "events_starts_at_idx" ON "events" USING btree ("starts_at");--> statement-breakpoint
CREATE INDEX "events_categories_idx" ON "events" USING gin ("categories");--> statement-breakpoint
CREATE INDEX "events_venue_idx" ON "events" USING btree ("venue_id");--> statement-breakpoint
CREATE INDEX "events_organizer_idx" ON "events" USING btree ("organizer_id");--> statement-breakpoint
CREATE INDEX "venues_lat_lng_idx" ON "venues" USING btree ("latitude","longitude");--> statement-breakpoint
CREATE UNIQUE INDEX "holds_user_key_unique" ON "holds" USING btree ("user_id","idempotency_key");--> statement-breakpoint
CREATE UNIQUE INDEX "holds_token_unique" ON "holds" USING btree ("purchase_token_hash") WHERE "holds"."purchase_token_hash" is not null;--> statement-breakpoint
CREATE INDEX "holds_active_expiry_idx" ON "holds" USING btree ("expires_at") WHERE "holds"."status" = 'active';--> statement-breakpoint
CREATE INDEX "holds_user_event_idx" ON "holds" USING btree ("user_id","event_id") WHERE "holds"."status" in ('active', 'converted');--> statement-breakpoint
CREATE INDEX "ga_inventory_event_idx" ON "ga_inventory" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "seats_available_idx" ON "seats" USING btree ("tier_id","section","row_index","number") WHERE "seats"."status" = 'available';--> statement-breakpoint
CREATE INDEX "seats_hold_idx" ON "seats" USING btree ("hold_id") WHERE "seats"."hold_id" is not null;--> statement-breakpoint
CREATE INDEX "onsale_audit_event_idx" ON "onsale_audit" USING btree ("event_id","id");