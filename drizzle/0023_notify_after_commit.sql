-- fd_notify no longer NOTIFYs: a NOTIFY inside a transaction takes one lock for the whole
-- database at commit (held through the commit's WAL flush), so every order commit that called it
-- committed one at a time. Its caller wakes the dispatchers after the commit instead
-- (src/notifications/outbox-waker.ts); the dispatcher's poll covers a lost wake-up.
CREATE OR REPLACE FUNCTION fd_notify(
  p_user uuid, p_kind text, p_title text, p_body text, p_data jsonb, p_dedupe text, p_email text
) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  feed_id bigint;
BEGIN
  INSERT INTO notifications (user_id, kind, title, body, data, dedupe_key)
  VALUES (p_user, p_kind, p_title, p_body, p_data, p_dedupe)
  ON CONFLICT (dedupe_key) DO NOTHING
  RETURNING id INTO feed_id;
  IF feed_id IS NULL THEN RETURN; END IF;
  INSERT INTO notification_outbox (user_id, kind, channel, recipient, subject, body, payload)
  SELECT p_user, p_kind, c.channel, c.recipient, p_title, p_body,
         jsonb_build_object('notificationId', feed_id, 'data', p_data)
  FROM (VALUES ('push', p_user::text), ('email', p_email)) AS c(channel, recipient)
  WHERE c.recipient IS NOT NULL;
END $$;
