CREATE TABLE "event_branding" (
	"event_id" uuid PRIMARY KEY NOT NULL,
	"accent" text,
	"messages" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "event_branding_accent_form" CHECK ("event_branding"."accent" is null or "event_branding"."accent" ~ '^#[0-9a-f]{6}$')
);
--> statement-breakpoint
CREATE TABLE "event_media" (
	"event_id" uuid NOT NULL,
	"slot" text NOT NULL,
	"alt" text NOT NULL,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"variants" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "event_media_event_id_slot_pk" PRIMARY KEY("event_id","slot"),
	CONSTRAINT "event_media_slot_valid" CHECK ("event_media"."slot" in ('image','logo'))
);
--> statement-breakpoint
CREATE TABLE "media_files" (
	"event_id" uuid NOT NULL,
	"file" text NOT NULL,
	"content_type" text NOT NULL,
	"bytes" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "media_files_event_id_file_pk" PRIMARY KEY("event_id","file")
);
--> statement-breakpoint
ALTER TABLE "event_branding" ADD CONSTRAINT "event_branding_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_media" ADD CONSTRAINT "event_media_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "media_files" ADD CONSTRAINT "media_files_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "media_files_file_idx" ON "media_files" USING btree ("file");