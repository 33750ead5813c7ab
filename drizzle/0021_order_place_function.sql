-- Placing an order as one statement (issue #15; src/orders/orders.checkout.ts calls it and says
-- the rules), and the order keyed by its Idempotency-Key.

-- A refusal of one request field: 422 (or the status given) naming the field (see fd_refuse).
CREATE OR REPLACE FUNCTION fd_refuse_field(code text, detail text, field text, status int DEFAULT 422) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM fd_refuse(code, jsonb_build_object('status', status, 'detail', detail, 'field', field));
END $$;
--> statement-breakpoint

-- POST /v1/orders up to the card: the order this key already placed (a retry), the hold
-- (the account's, active, not due, not bought), the event still selling, the tenders planned
-- (gift cards first, each checked, the card for the rest), the order written pending with its
-- receipt. Returns { replay, order, receipts }; a replay returns the order as it stands.
CREATE OR REPLACE FUNCTION fd_order_place(
  p_user uuid, p_hold uuid, p_key text, p_request_hash text, p_currency text, p_attendees jsonb,
  -- [{ codeHash, amountCents (null: what the card covers) }], in the request's order
  p_gift_cards jsonb,
  p_has_card boolean, p_provider text, p_payment_method_id text
) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  at timestamptz := date_trunc('milliseconds', now());
  o orders;
  h holds;
  ev record;
  total int;
  remaining int;
  wanted jsonb;
  card record;
  amount int;
  planned jsonb := '[]'::jsonb;
  i int := 0;
  field text;
  card_cents int;
BEGIN
  -- Twins of one request (the same key sent again while the first runs) queue here, so the
  -- second finds the first's order instead of racing it for the hold.
  PERFORM pg_advisory_xact_lock(hashtextextended('order:' || p_user::text || ':' || p_key, 0));
  SELECT * INTO o FROM orders WHERE user_id = p_user AND idempotency_key = p_key;
  IF FOUND THEN
    IF o.hold_id <> p_hold OR (o.request_hash IS NOT NULL AND o.request_hash <> p_request_hash) THEN
      PERFORM fd_refuse('idempotency.key_reused');
    END IF;
    RETURN jsonb_build_object('replay', true, 'order', to_jsonb(o), 'receipts', '[]'::jsonb);
  END IF;

  SELECT * INTO h FROM holds WHERE id = p_hold AND user_id = p_user;
  IF NOT FOUND THEN PERFORM fd_refuse('sales.hold_not_found'); END IF;
  IF h.status = 'converted' THEN PERFORM fd_refuse('orders.hold_already_ordered', jsonb_build_object('holdId', h.id)); END IF;
  IF h.status <> 'active' THEN PERFORM fd_refuse('sales.hold_not_active', jsonb_build_object('status', h.status)); END IF;
  IF h.expires_at <= now() THEN PERFORM fd_refuse('sales.hold_expired'); END IF;
  IF p_currency IS NOT NULL AND p_currency <> h.currency THEN
    PERFORM fd_refuse_field('orders.currency_mismatch', 'This hold is priced in ' || h.currency || '.', 'currency');
  END IF;
  IF p_attendees IS NOT NULL AND jsonb_array_length(p_attendees) <> h.quantity THEN
    PERFORM fd_refuse_field('orders.attendees_mismatch', 'Name one attendee per ticket (' || h.quantity || ').', 'attendees');
  END IF;
  SELECT e.status, e.organizer_id INTO ev FROM events e WHERE e.id = h.event_id;
  IF ev.status IN ('cancelled', 'completed', 'draft') THEN
    PERFORM fd_refuse('sales.not_on_sale', jsonb_build_object(
      'detail', 'This event is ' || ev.status || '.', 'data', jsonb_build_object('status', ev.status)));
  END IF;

  total := (h.unit_price_cents + h.unit_fee_cents) * h.quantity;
  remaining := total;
  FOR wanted IN SELECT * FROM jsonb_array_elements(p_gift_cards) LOOP
    field := 'payment.giftCards.' || i;
    SELECT g.id, g.currency, g.balance_cents, g.scope_organizer_id INTO card
      FROM gift_cards g WHERE g.code_hash = wanted ->> 'codeHash';
    IF NOT FOUND THEN PERFORM fd_refuse_field('giftcards.invalid_code', 'No gift card with this code.', field || '.code'); END IF;
    IF card.scope_organizer_id IS NOT NULL AND card.scope_organizer_id <> ev.organizer_id THEN
      PERFORM fd_refuse('giftcards.not_valid_for_event', jsonb_build_object('field', field || '.code'));
    END IF;
    IF planned @> jsonb_build_array(jsonb_build_object('giftCardId', card.id)) THEN
      PERFORM fd_refuse_field('giftcards.duplicate', 'The same gift card is listed twice.', field || '.code');
    END IF;
    IF card.currency <> h.currency THEN
      PERFORM fd_refuse_field('giftcards.currency_mismatch',
        'This gift card is in ' || card.currency || '; the order is in ' || h.currency || '.', field || '.code');
    END IF;
    IF wanted ->> 'amountCents' IS NOT NULL AND (wanted ->> 'amountCents')::int > remaining THEN
      PERFORM fd_refuse_field('orders.overpayment', 'The gift cards add up to more than the total.', field || '.amountCents');
    END IF;
    amount := coalesce((wanted ->> 'amountCents')::int, least(card.balance_cents, remaining));
    IF amount > card.balance_cents THEN
      PERFORM fd_refuse('giftcards.insufficient_balance', jsonb_build_object(
        'detail', 'This gift card does not have that much left.', 'giftCardId', card.id));
    END IF;
    IF amount > 0 THEN planned := planned || jsonb_build_object('giftCardId', card.id, 'amountCents', amount); END IF;
    remaining := remaining - amount;
    i := i + 1;
  END LOOP;
  card_cents := remaining;
  IF card_cents > 0 AND NOT p_has_card THEN
    PERFORM fd_refuse_field('orders.payment_required', 'The gift cards do not cover the total; add a card.', 'payment.card');
  END IF;

  INSERT INTO orders (user_id, hold_id, event_id, currency, total_cents, gift_card_cents, card_cents, provider,
                      payment_method_id, plan, idempotency_key, request_hash)
  VALUES (p_user, h.id, h.event_id, h.currency, total, total - card_cents, card_cents,
          CASE WHEN card_cents > 0 THEN p_provider END,
          CASE WHEN card_cents > 0 THEN p_payment_method_id END,
          jsonb_build_object('giftCards', planned, 'attendees', p_attendees), p_key, p_request_hash)
  RETURNING * INTO o;
  RETURN jsonb_build_object('replay', false, 'order', to_jsonb(o), 'receipts', jsonb_build_array(
    fd_receipt_append(p_user, 'order.placed', 'order', o.id::text, o.event_id, p_user,
      jsonb_build_object('holdId', h.id, 'totalCents', total, 'currency', h.currency,
        'giftCardCents', total - card_cents, 'cardCents', card_cents), at)));
END $$;
