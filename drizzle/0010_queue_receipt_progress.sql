CREATE TABLE "queue_receipt_progress" (
	"event_id" uuid NOT NULL,
	"stream" text NOT NULL,
	"done" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "queue_receipt_progress_event_id_stream_pk" PRIMARY KEY("event_id","stream")
);
--> statement-breakpoint
ALTER TABLE "queue_receipt_progress" ADD CONSTRAINT "queue_receipt_progress_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;