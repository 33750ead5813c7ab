ALTER TABLE "onsale_settings" ADD COLUMN "require_verified_email" boolean DEFAULT true NOT NULL;--> statement-breakpoint
-- Existing open-mode on-sales have no waiting room to guard: they read false, as a new open one is written.
UPDATE "onsale_settings" SET "require_verified_email" = false WHERE "mode" = 'open';
