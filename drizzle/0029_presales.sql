CREATE TABLE "presale_allowlist" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"window_id" uuid NOT NULL,
	"user_id" uuid,
	"email" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "presale_allowlist_one" CHECK (("presale_allowlist"."user_id" is null) <> ("presale_allowlist"."email" is null))
);
--> statement-breakpoint
CREATE TABLE "presale_codes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"window_id" uuid NOT NULL,
	"code_hash" text NOT NULL,
	"hint" text NOT NULL,
	"max_uses" integer NOT NULL,
	"uses" integer DEFAULT 0 NOT NULL,
	"source" text NOT NULL,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "presale_code_uses" CHECK ("presale_codes"."max_uses" > 0 and "presale_codes"."uses" between 0 and "presale_codes"."max_uses")
);
--> statement-breakpoint
CREATE TABLE "presale_redemptions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"window_id" uuid NOT NULL,
	"code_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "presale_redemptions_window_user_unique" UNIQUE("window_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "presale_windows" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"event_id" uuid NOT NULL,
	"name" text NOT NULL,
	"gate" text NOT NULL,
	"mode" text NOT NULL,
	"prequeue_opens_at" timestamp with time zone,
	"opens_at" timestamp with time zone NOT NULL,
	"closes_at" timestamp with time zone NOT NULL,
	"state" text DEFAULT 'scheduled' NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "presale_window_times" CHECK ("presale_windows"."opens_at" < "presale_windows"."closes_at"),
	CONSTRAINT "presale_window_prequeue" CHECK (("presale_windows"."mode" = 'queue') = ("presale_windows"."prequeue_opens_at" is not null) and ("presale_windows"."prequeue_opens_at" is null or "presale_windows"."prequeue_opens_at" <= "presale_windows"."opens_at")),
	CONSTRAINT "presale_window_gate" CHECK ("presale_windows"."gate" in ('code','allowlist','staff')),
	CONSTRAINT "presale_window_mode" CHECK ("presale_windows"."mode" in ('queue','open')),
	CONSTRAINT "presale_window_state" CHECK ("presale_windows"."state" in ('scheduled','closed'))
);
--> statement-breakpoint
ALTER TABLE "presale_allowlist" ADD CONSTRAINT "presale_allowlist_window_id_presale_windows_id_fk" FOREIGN KEY ("window_id") REFERENCES "public"."presale_windows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "presale_allowlist" ADD CONSTRAINT "presale_allowlist_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "presale_codes" ADD CONSTRAINT "presale_codes_window_id_presale_windows_id_fk" FOREIGN KEY ("window_id") REFERENCES "public"."presale_windows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "presale_redemptions" ADD CONSTRAINT "presale_redemptions_window_id_presale_windows_id_fk" FOREIGN KEY ("window_id") REFERENCES "public"."presale_windows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "presale_redemptions" ADD CONSTRAINT "presale_redemptions_code_id_presale_codes_id_fk" FOREIGN KEY ("code_id") REFERENCES "public"."presale_codes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "presale_redemptions" ADD CONSTRAINT "presale_redemptions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "presale_windows" ADD CONSTRAINT "presale_windows_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "presale_windows" ADD CONSTRAINT "presale_windows_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "presale_allowlist_user_unique" ON "presale_allowlist" USING btree ("window_id","user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "presale_allowlist_email_unique" ON "presale_allowlist" USING btree ("window_id","email");--> statement-breakpoint
CREATE UNIQUE INDEX "presale_codes_window_hash_unique" ON "presale_codes" USING btree ("window_id","code_hash");--> statement-breakpoint
CREATE INDEX "presale_redemptions_code_idx" ON "presale_redemptions" USING btree ("code_id");--> statement-breakpoint
CREATE INDEX "presale_windows_event_idx" ON "presale_windows" USING btree ("event_id","opens_at");