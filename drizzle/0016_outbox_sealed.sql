ALTER TABLE "notification_outbox" ADD COLUMN "sealed" text;--> statement-breakpoint
-- Mails written before sealing keep their verification and invitation links in clear; once
-- delivered (or failed for good) nothing needs them.
UPDATE "notification_outbox"
SET "body" = '', "payload" = ("payload" - 'token' - 'link') #- '{data,token}'
WHERE "channel" = 'email' AND "status" <> 'pending' AND "kind" IN ('auth.verify_email', 'transfer.received');
