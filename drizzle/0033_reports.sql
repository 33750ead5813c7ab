CREATE TABLE "queue_admissions" (
	"event_id" uuid NOT NULL,
	"ticket_number" integer NOT NULL,
	"entry_id" text NOT NULL,
	"user_id" uuid NOT NULL,
	"token_hash" text NOT NULL,
	"admitted_at" timestamp (3) with time zone NOT NULL,
	"token_expires_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "queue_admissions_event_id_ticket_number_pk" PRIMARY KEY("event_id","ticket_number")
);
--> statement-breakpoint
CREATE TABLE "queue_draws" (
	"event_id" uuid PRIMARY KEY NOT NULL,
	"draw_size" integer NOT NULL,
	"drawn_at" timestamp (3) with time zone NOT NULL,
	"draw_ms" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "queue_refusals" (
	"event_id" uuid NOT NULL,
	"reason" text NOT NULL,
	"minute" timestamp with time zone NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "queue_refusals_event_id_reason_minute_pk" PRIMARY KEY("event_id","reason","minute")
);
--> statement-breakpoint
ALTER TABLE "queue_admissions" ADD CONSTRAINT "queue_admissions_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "queue_draws" ADD CONSTRAINT "queue_draws_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "queue_refusals" ADD CONSTRAINT "queue_refusals_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "timeline_queue_event_idx" ON "timeline_entries" USING btree ("event_id","kind") WHERE "timeline_entries"."subject_type" = 'queue_entry';