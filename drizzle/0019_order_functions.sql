-- The order's commit and capture as one statement each (issue #15; src/orders/orders.settlement.ts
-- calls them and says the rules). Refusals as in 0018: fd_refuse(code, details).

-- Records a notice as src/notifications/notify.ts does: the feed row, its push and (with an
-- address) its mail in the outbox, and a NOTIFY that wakes the dispatcher at commit. A dedupe
-- key already used writes nothing.
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
  PERFORM pg_notify('fairdrop_outbox', '');
END $$;
--> statement-breakpoint

-- The one transaction that makes an order real: authorized (or, paid wholly by gift cards,
-- pending) → confirmed; the hold converted and its seats or GA places sold; the card's payment
-- row, each gift card debited with its ledger row and payment; items and tickets; the receipts;
-- the "guaranteed" notice. An order already committed answers { written: false } and changes
-- nothing; any other state, or a hold or gift card that no longer allows it, is refused.
CREATE OR REPLACE FUNCTION fd_order_commit(p_order uuid, p_intent text, p_card_last4 text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  at timestamptz := date_trunc('milliseconds', now());
  o orders;
  h holds;
  current_status text;
  receipts jsonb := '[]'::jsonb;
  paid jsonb := '[]'::jsonb;
  issued jsonb;
  tender jsonb;
  pay payments;
  left_cents int;
  unit int;
  sold_count int;
  email text;
  title text;
BEGIN
  -- The state change first: its row lock serialises this commit against a racing reconciler or abort.
  UPDATE orders SET
    status = CASE WHEN card_cents > 0 THEN 'confirmed' ELSE 'captured' END,
    intent_id = coalesce(p_intent, intent_id),
    card_last4 = coalesce(p_card_last4, card_last4),
    confirmed_at = now(),
    captured_at = CASE WHEN card_cents > 0 THEN NULL ELSE now() END,
    updated_at = now()
  WHERE id = p_order
    AND status = ANY (CASE WHEN card_cents > 0 THEN ARRAY['pending', 'authorized'] ELSE ARRAY['pending'] END)
    AND (card_cents = 0 OR coalesce(p_intent, intent_id) IS NOT NULL)
  RETURNING * INTO o;
  IF NOT FOUND THEN
    SELECT * INTO o FROM orders WHERE id = p_order;
    IF NOT FOUND THEN PERFORM fd_refuse('orders.not_found'); END IF;
    IF o.status IN ('confirmed', 'captured') THEN
      RETURN jsonb_build_object('written', false, 'order', to_jsonb(o));
    END IF;
    PERFORM fd_refuse('orders.state_changed', jsonb_build_object('status', o.status));
  END IF;

  -- An event called off (or over) sells nothing more, even to a hold made before: its
  -- cancellation refunds what was sold, and nothing sold after it would be refunded.
  SELECT e.status INTO current_status FROM events e WHERE e.id = o.event_id;
  IF current_status IN ('cancelled', 'completed', 'draft') THEN
    PERFORM fd_refuse('sales.not_on_sale', jsonb_build_object(
      'detail', 'This event is ' || current_status || '.', 'data', jsonb_build_object('status', current_status)));
  END IF;

  -- The hold: the order's account's, active and not yet due by the database clock.
  UPDATE holds SET status = 'converted', ended_at = now()
  WHERE id = o.hold_id AND user_id = o.user_id AND status = 'active' AND expires_at > now()
  RETURNING * INTO h;
  IF NOT FOUND THEN
    SELECT status INTO current_status FROM holds WHERE id = o.hold_id AND user_id = o.user_id;
    IF NOT FOUND THEN PERFORM fd_refuse('sales.hold_not_found'); END IF;
    IF current_status IN ('expired', 'active') THEN PERFORM fd_refuse('sales.hold_expired'); END IF;
    PERFORM fd_refuse('sales.hold_not_active', jsonb_build_object('status', current_status));
  END IF;
  receipts := receipts || fd_receipt_append(o.user_id, 'hold.converted', 'hold', h.id::text, h.event_id, o.user_id,
    jsonb_build_object('holdId', h.id, 'tierId', h.tier_id, 'quantity', h.quantity, 'orderId', o.id), at);
  IF h.kind = 'seats' THEN
    UPDATE seats SET status = 'sold', updated_at = now() WHERE hold_id = h.id AND status = 'held';
    GET DIAGNOSTICS sold_count = ROW_COUNT;
    IF sold_count <> h.quantity THEN
      -- Impossible while seats.hold_id and the CHECKs hold; failing loudly rolls the order back.
      RAISE EXCEPTION 'hold % had fewer held seats than its quantity %', h.id, h.quantity;
    END IF;
  END IF;

  IF o.card_cents > 0 THEN
    INSERT INTO payments (order_id, user_id, method, provider, intent_id, amount_cents, currency, status, card_last4)
    VALUES (o.id, o.user_id, 'card', o.provider, o.intent_id, o.card_cents, o.currency, 'authorized', o.card_last4)
    RETURNING * INTO pay;
    paid := paid || to_jsonb(pay);
    receipts := receipts || fd_receipt_append(o.user_id, 'payment.authorized', 'payment', pay.id::text, o.event_id, NULL,
      jsonb_build_object('orderId', o.id, 'provider', o.provider, 'sandbox', o.provider = 'sandbox',
        'amountCents', o.card_cents, 'currency', o.currency, 'intentId', o.intent_id), at);
  END IF;
  FOR tender IN SELECT * FROM jsonb_array_elements(o.plan -> 'giftCards') LOOP
    UPDATE gift_cards SET balance_cents = balance_cents - (tender ->> 'amountCents')::int
    WHERE id = (tender ->> 'giftCardId')::uuid AND balance_cents >= (tender ->> 'amountCents')::int
    RETURNING balance_cents INTO left_cents;
    IF NOT FOUND THEN
      PERFORM fd_refuse('giftcards.insufficient_balance', jsonb_build_object('giftCardId', tender ->> 'giftCardId'));
    END IF;
    INSERT INTO gift_card_ledger (gift_card_id, amount_cents, kind, order_id)
    VALUES ((tender ->> 'giftCardId')::uuid, -(tender ->> 'amountCents')::int, 'debit', o.id);
    INSERT INTO payments (order_id, user_id, method, provider, gift_card_id, amount_cents, currency, status)
    VALUES (o.id, o.user_id, 'gift_card', 'gift_card', (tender ->> 'giftCardId')::uuid,
            (tender ->> 'amountCents')::int, o.currency, 'captured')
    RETURNING * INTO pay;
    paid := paid || to_jsonb(pay);
    receipts := receipts || fd_receipt_append(o.user_id, 'payment.captured', 'payment', pay.id::text, o.event_id, NULL,
      jsonb_build_object('orderId', o.id, 'method', 'gift_card', 'giftCardId', tender ->> 'giftCardId',
        'amountCents', (tender ->> 'amountCents')::int, 'currency', o.currency), at);
  END LOOP;

  -- Items and their tickets, one per seat (in the hold's order) or per GA place.
  unit := h.unit_price_cents + h.unit_fee_cents;
  -- (Ids made here, so the tickets can name their items and come back in the places' order.)
  WITH places AS MATERIALIZED (
    SELECT p.n, CASE WHEN h.kind = 'seats' THEN h.seat_ids[p.n] END AS seat_id,
           gen_random_uuid() AS item_id, gen_random_uuid() AS ticket_id
    FROM generate_series(1, h.quantity) AS p(n)
  ), items AS (
    INSERT INTO order_items (id, order_id, tier_id, seat_id, price_cents)
    SELECT item_id, o.id, h.tier_id, seat_id, unit FROM places
  ), made AS (
    INSERT INTO tickets (id, order_id, order_item_id, event_id, tier_id, seat_id, holder_id, attendee_name, attendee_email)
    SELECT ticket_id, o.id, item_id, o.event_id, h.tier_id, seat_id, o.user_id,
           o.plan -> 'attendees' -> (n - 1) ->> 'name', o.plan -> 'attendees' -> (n - 1) ->> 'email'
    FROM places
    RETURNING *
  )
  SELECT jsonb_agg(jsonb_build_object('id', m.id, 'orderId', m.order_id, 'orderItemId', m.order_item_id,
           'eventId', m.event_id, 'tierId', m.tier_id, 'seatId', m.seat_id, 'holderId', m.holder_id,
           'attendeeName', m.attendee_name, 'attendeeEmail', m.attendee_email, 'version', m.version,
           'status', m.status, 'issuedAt', m.issued_at) ORDER BY p.n)
    INTO issued FROM made m JOIN places p ON p.ticket_id = m.id;

  -- GA last: its one counter row is every buyer's of the tier; lock it as late as possible.
  IF h.kind = 'ga' THEN
    UPDATE ga_inventory SET held = held - h.quantity, sold = sold + h.quantity WHERE tier_id = h.tier_id;
  END IF;

  receipts := receipts
    || fd_receipt_append(o.user_id, 'order.confirmed', 'order', o.id::text, o.event_id, NULL,
         jsonb_build_object('orderId', o.id, 'guaranteed', true, 'holdId', o.hold_id, 'totalCents', o.total_cents,
           'currency', o.currency, 'tickets', jsonb_array_length(issued)), at)
    || fd_receipt_append(o.user_id, 'tickets.issued', 'order', o.id::text, o.event_id, NULL,
         jsonb_build_object('orderId', o.id,
           'ticketIds', (SELECT jsonb_agg(t -> 'id') FROM jsonb_array_elements(issued) AS t),
           'seatIds', (SELECT coalesce(jsonb_agg(t -> 'seatId'), '[]'::jsonb) FROM jsonb_array_elements(issued) AS t
                       WHERE t -> 'seatId' <> 'null'::jsonb)), at);

  -- "Your tickets are guaranteed", in this transaction: told exactly when, and only if, they are.
  SELECT u.email INTO email FROM users u WHERE u.id = o.user_id;
  SELECT e.title INTO title FROM events e WHERE e.id = o.event_id;
  IF email IS NOT NULL AND title IS NOT NULL THEN
    PERFORM fd_notify(o.user_id, 'order.confirmed',
      'Your tickets for ' || title || ' are guaranteed',
      'Order ' || o.id || ' is confirmed (' || to_char(o.total_cents / 100.0, 'FM999999999990.00') || ' ' || o.currency
        || '). Your tickets are in the app; their codes appear on your phone at the door.',
      jsonb_build_object('orderId', o.id, 'eventId', o.event_id, 'totalCents', o.total_cents, 'currency', o.currency),
      'order.confirmed:' || o.id, email);
  END IF;

  RETURN jsonb_build_object('written', true, 'order', to_jsonb(o), 'payments', paid, 'tickets', issued,
    'receipts', receipts);
END $$;
--> statement-breakpoint

-- Records a capture the processor reports: confirmed → captured, the card payment captured, its
-- receipt. An order no longer confirmed answers { moved: false } with its current row.
CREATE OR REPLACE FUNCTION fd_order_captured(p_order uuid, p_provider text, p_amount_cents int) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  o orders;
  payment_id uuid;
BEGIN
  UPDATE orders SET status = 'captured', captured_at = now(), updated_at = now()
  WHERE id = p_order AND status = 'confirmed'
  RETURNING * INTO o;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('moved', false, 'order', (SELECT to_jsonb(x) FROM orders x WHERE x.id = p_order));
  END IF;
  UPDATE payments SET status = 'captured', updated_at = now()
  WHERE order_id = o.id AND method = 'card' AND status = 'authorized'
  RETURNING id INTO payment_id;
  RETURN jsonb_build_object('moved', true, 'order', to_jsonb(o), 'paymentId', payment_id,
    'receipts', jsonb_build_array(fd_receipt_append(o.user_id, 'payment.captured', 'payment',
      coalesce(payment_id, o.id)::text, o.event_id, NULL,
      jsonb_build_object('orderId', o.id, 'provider', p_provider, 'sandbox', p_provider = 'sandbox',
        'amountCents', p_amount_cents, 'currency', o.currency), date_trunc('milliseconds', now()))));
END $$;
