CREATE TABLE "wallet_google_updates" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"pass_id" uuid NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"state" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"available_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone,
	CONSTRAINT "wallet_google_updates_status_valid" CHECK ("wallet_google_updates"."status" in ('pending','sent','failed'))
);
--> statement-breakpoint
CREATE TABLE "wallet_passes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"ticket_id" uuid NOT NULL,
	"holder_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "wallet_passes_kind_valid" CHECK ("wallet_passes"."kind" in ('apple','google'))
);
--> statement-breakpoint
CREATE TABLE "wallet_registrations" (
	"device_id" text NOT NULL,
	"pass_id" uuid NOT NULL,
	"push_token" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "wallet_registrations_device_id_pass_id_pk" PRIMARY KEY("device_id","pass_id")
);
--> statement-breakpoint
ALTER TABLE "wallet_google_updates" ADD CONSTRAINT "wallet_google_updates_pass_id_wallet_passes_id_fk" FOREIGN KEY ("pass_id") REFERENCES "public"."wallet_passes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "wallet_passes" ADD CONSTRAINT "wallet_passes_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "wallet_passes" ADD CONSTRAINT "wallet_passes_holder_id_users_id_fk" FOREIGN KEY ("holder_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "wallet_registrations" ADD CONSTRAINT "wallet_registrations_pass_id_wallet_passes_id_fk" FOREIGN KEY ("pass_id") REFERENCES "public"."wallet_passes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "wallet_google_updates_pending_idx" ON "wallet_google_updates" USING btree ("available_at","id") WHERE "wallet_google_updates"."status" = 'pending';--> statement-breakpoint
CREATE UNIQUE INDEX "wallet_passes_ticket_holder_kind" ON "wallet_passes" USING btree ("ticket_id","holder_id","kind");--> statement-breakpoint

-- A wallet pass follows its ticket. Whatever changes a ticket's holder, version or status (a
-- transfer, an exchange, a cancellation, a refund, a resale, code written later), in the same
-- transaction: every pass of the ticket is marked changed (Apple devices asking "what changed
-- since" are told), and each Google Wallet object is queued for the wallet worker to update.
-- A trigger rather than a call in each of those places: none of them can forget it, and a
-- crash cannot commit the ticket's change without the pass's.
CREATE FUNCTION fd_wallet_ticket_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE wallet_passes SET updated_at = clock_timestamp() WHERE ticket_id = NEW.id;
  INSERT INTO wallet_google_updates (pass_id)
    SELECT id FROM wallet_passes WHERE ticket_id = NEW.id AND kind = 'google';
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER wallet_ticket_changed
  AFTER UPDATE OF holder_id, version, status ON tickets
  FOR EACH ROW
  WHEN (OLD.holder_id IS DISTINCT FROM NEW.holder_id
     OR OLD.version IS DISTINCT FROM NEW.version
     OR OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION fd_wallet_ticket_changed();
