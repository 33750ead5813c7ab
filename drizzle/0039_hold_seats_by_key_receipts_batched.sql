-- The purchase path's Postgres work trimmed where bench:holds' pg_stat_statements (track = all)
-- showed it (issue #15):
--
-- fd_hold_create's picked seats are found and locked by primary key only; whether each is free is
-- read from the locked row. With `status = 'available'` and the tier in the same WHERE, the
-- planner could use the partial index seats_available_idx (tier_id … WHERE status = 'available')
-- and walk every free seat of the tier: a plan it picks while the table's statistics say the
-- seats are few (a seat map saved a minute before the sale, before autovacuum analyzes it) and
-- keeps for the connection. 2.2 ms per hold on a 7,000-seat tier with that plan, 0.15 ms by key.
-- OFFSET 0 keeps the status test above the lock, so it cannot be pushed back into the scan.
--
-- fd_order_commit's receipts (hold.converted, payment.authorized, each gift card's
-- payment.captured, order.confirmed, tickets.issued) are chained by fd_receipts_append: the
-- account's chain locked and its head read once, the entries hashed in turn and written by one
-- INSERT, instead of a lock, a head read and an INSERT per receipt. The same payloads, hashes,
-- sequence numbers and order as four calls of fd_receipt_append.

-- Appends receipts to one account's chain, in the order given, all at `p_at`: p_entries is a JSON
-- array of { kind, subjectType, subjectId, eventId, actorId, data }. The payload of each is what
-- fd_receipt_append writes (0024); the answer is the array of { id, payload }, in the same order.
CREATE OR REPLACE FUNCTION fd_receipts_append(p_user uuid, p_at timestamptz, p_entries jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  head_seq int;
  head_hash text;
  first_seq int;
  e jsonb;
  payload text;
  seqs int[] := '{}';
  kinds text[] := '{}';
  subject_types text[] := '{}';
  subject_ids text[] := '{}';
  event_ids uuid[] := '{}';
  actor_ids uuid[] := '{}';
  datas jsonb[] := '{}';
  prev_hashes text[] := '{}';
  hashes text[] := '{}';
  payloads text[] := '{}';
  answer jsonb;
BEGIN
  IF jsonb_array_length(p_entries) = 0 THEN RETURN '[]'::jsonb; END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('timeline:' || p_user::text, 0));
  SELECT t.seq, t.hash INTO head_seq, head_hash
    FROM timeline_entries t WHERE t.user_id = p_user ORDER BY t.seq DESC LIMIT 1;
  head_seq := coalesce(head_seq, 0);
  head_hash := coalesce(head_hash, 'GENESIS');
  first_seq := head_seq + 1;
  FOR e IN SELECT x.value FROM jsonb_array_elements(p_entries) WITH ORDINALITY AS x(value, n) ORDER BY x.n LOOP
    head_seq := head_seq + 1;
    payload := '{"actorId":' || coalesce(to_json((e ->> 'actorId')::uuid)::text, 'null')
      || ',"data":' || coalesce(fd_canonical_json(e -> 'data'), 'null')
      || ',"eventId":' || coalesce(to_json((e ->> 'eventId')::uuid)::text, 'null')
      || ',"kind":' || coalesce(to_json(e ->> 'kind')::text, 'null')
      || ',"occurredAt":' || to_json(fd_iso(p_at))::text
      || ',"prevHash":' || coalesce(to_json(head_hash)::text, 'null')
      || ',"seq":' || head_seq::text
      || ',"subjectId":' || coalesce(to_json(e ->> 'subjectId')::text, 'null')
      || ',"subjectType":' || coalesce(to_json(e ->> 'subjectType')::text, 'null')
      || ',"userId":' || coalesce(to_json(p_user)::text, 'null')
      || ',"v":1}';
    seqs := seqs || head_seq;
    kinds := kinds || (e ->> 'kind');
    subject_types := subject_types || (e ->> 'subjectType');
    subject_ids := subject_ids || (e ->> 'subjectId');
    event_ids := event_ids || (e ->> 'eventId')::uuid;
    actor_ids := actor_ids || (e ->> 'actorId')::uuid;
    datas := datas || (e -> 'data');
    prev_hashes := prev_hashes || head_hash;
    payloads := payloads || payload;
    head_hash := rtrim(translate(encode(sha256(convert_to(payload, 'UTF8')), 'base64'), '+/', '-_'), '=');
    hashes := hashes || head_hash;
  END LOOP;
  WITH written AS (
    INSERT INTO timeline_entries
      (user_id, seq, kind, subject_type, subject_id, event_id, actor_id, data, occurred_at, prev_hash, hash)
    SELECT p_user, x.seq, x.kind, x.subject_type, x.subject_id, x.event_id, x.actor_id, x.data, p_at, x.prev_hash, x.hash
    FROM unnest(seqs, kinds, subject_types, subject_ids, event_ids, actor_ids, datas, prev_hashes, hashes)
      AS x(seq, kind, subject_type, subject_id, event_id, actor_id, data, prev_hash, hash)
    ORDER BY x.seq
    RETURNING id, seq
  )
  SELECT jsonb_agg(jsonb_build_object('id', w.id, 'payload', payloads[w.seq - first_seq + 1]) ORDER BY w.seq)
    INTO answer FROM written w;
  RETURN answer;
END $$;
--> statement-breakpoint

-- fd_hold_create as in 0030, the picked seats (and a run side by side) locked by key.
CREATE OR REPLACE FUNCTION fd_hold_create(
  p_user uuid, p_event uuid, p_tier uuid, p_quantity int, p_seats uuid[], p_together boolean,
  p_key text, p_request_hash text,
  -- the claimed token's hash; null with no token, or when the waiting room refused it
  p_token_hash text,
  -- the waiting room refused the token this request carried (the caller rethrows its refusal)
  p_token_refused boolean
) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  at timestamptz := date_trunc('milliseconds', now());
  existing holds;
  ev record;
  tier record;
  sale record;
  picked uuid[];
  chosen uuid[];
  run uuid[];
  free_now int;
  lim int;
  counted int;
  made holds;
  seat_refs jsonb;
  held_count int;
  win record;
  mode text;
BEGIN
  -- Serialises this account's requests for this event: the limit count, the token verdict and
  -- the key lookup below all assume no twin request runs beside them (src/sales/limits.ts).
  PERFORM pg_advisory_xact_lock(hashtextextended('limit:' || p_user::text || ':' || p_event::text, 0));

  SELECT * INTO existing FROM holds h WHERE h.user_id = p_user AND h.idempotency_key = p_key;
  IF FOUND THEN
    IF existing.event_id <> p_event OR existing.tier_id <> p_tier
       OR (existing.request_hash IS NOT NULL AND existing.request_hash <> p_request_hash) THEN
      PERFORM fd_refuse('sales.idempotency_key_reused');
    END IF;
    RETURN jsonb_build_object('replay', true, 'hold', to_jsonb(existing), 'seats', fd_seat_refs(existing.seat_ids),
      'receipts', '[]'::jsonb);
  END IF;

  SELECT e.status, e.per_account_limit INTO ev FROM events e WHERE e.id = p_event;
  IF NOT FOUND OR ev.status = 'draft' THEN PERFORM fd_refuse('catalog.event_not_found'); END IF;
  SELECT t.id, t.kind, t.price_cents, t.fee_cents, t.currency INTO tier
    FROM price_tiers t WHERE t.id = p_tier AND t.event_id = p_event;
  IF NOT FOUND THEN PERFORM fd_refuse('catalog.tier_not_found'); END IF;
  IF tier.kind = 'ga' AND p_seats IS NOT NULL THEN PERFORM fd_refuse('sales.wrong_tier_kind', '{"kind":"ga"}'); END IF;
  IF ev.status NOT IN ('on_sale', 'scheduled') THEN
    PERFORM fd_refuse('sales.not_on_sale', jsonb_build_object(
      'detail', 'This event is ' || replace(ev.status, '_', ' ') || '.', 'data', jsonb_build_object('status', ev.status)));
  END IF;
  SELECT o.mode, o.state, o.sale_starts_at, o.sale_ends_at, o.hold_ttl_seconds, o.per_account_limit INTO sale
    FROM onsale_settings o WHERE o.event_id = p_event;
  IF NOT FOUND THEN
    PERFORM fd_refuse('sales.not_on_sale', '{"detail":"This event has no on-sale yet."}');
  END IF;
  IF sale.state <> 'scheduled' THEN
    PERFORM fd_refuse('sales.not_on_sale', jsonb_build_object(
      'detail', 'The on-sale is ' || sale.state || '.', 'data', jsonb_build_object('state', sale.state)));
  END IF;
  -- Before the general sale only a presale window open now sells, to the accounts its gate lets
  -- through, in its own mode (a queue-mode window's room issued the token the caller claimed).
  mode := sale.mode;
  IF now() < sale.sale_starts_at THEN
    SELECT w.id, w.mode INTO win FROM presale_windows w
      WHERE w.event_id = p_event AND w.state = 'scheduled' AND w.opens_at <= now() AND w.closes_at > now()
      ORDER BY w.opens_at LIMIT 1;
    IF NOT FOUND THEN
      PERFORM fd_refuse('sales.not_on_sale', jsonb_build_object(
        'detail', 'The sale has not started yet.', 'data', jsonb_build_object('opensAt', fd_iso(sale.sale_starts_at))));
    END IF;
    IF NOT fd_presale_eligible(win.id, p_user) THEN
      PERFORM fd_refuse('presales.not_eligible', jsonb_build_object('status', 403, 'field', 'eventId',
        'detail', 'This presale is only for the fans it was given to: enter a presale code first, or wait for the general sale.'));
    END IF;
    mode := win.mode;
  END IF;
  IF sale.sale_ends_at IS NOT NULL AND now() >= sale.sale_ends_at THEN
    PERFORM fd_refuse('sales.not_on_sale', jsonb_build_object(
      'detail', 'The sale has ended.', 'data', jsonb_build_object('endedAt', fd_iso(sale.sale_ends_at))));
  END IF;

  -- Picked seats: lock the free ones in seat order (overlapping buyers queue instead of
  -- deadlocking); refuse ids that are not this event's and tier's seats.
  IF p_seats IS NOT NULL THEN
    SELECT coalesce(array_agg(s.id ORDER BY s.section, s.row_index, s.number), '{}') INTO picked FROM (
      SELECT s.id, s.section, s.row_index, s.number, s.status FROM seats s
      WHERE s.id = ANY (p_seats) AND s.tier_id = p_tier
      ORDER BY s.section, s.row_index, s.number FOR UPDATE OFFSET 0) s
    WHERE s.status = 'available';
    IF cardinality(picked) < cardinality(p_seats) AND EXISTS (SELECT 1 FROM unnest(p_seats) AS u(id)
        WHERE NOT EXISTS (SELECT 1 FROM seats s WHERE s.id = u.id AND s.event_id = p_event AND s.tier_id = p_tier)) THEN
      PERFORM fd_refuse('sales.unknown_seat', jsonb_build_object('indexes', (
        SELECT jsonb_agg(i.n - 1 ORDER BY i.n) FROM unnest(p_seats) WITH ORDINALITY AS i(id, n)
        WHERE NOT EXISTS (SELECT 1 FROM seats s WHERE s.id = i.id AND s.event_id = p_event AND s.tier_id = p_tier))));
    END IF;
  END IF;

  -- A waiting room's sale sells only to a purchase token it issued (claimed by the caller).
  IF mode = 'queue' AND p_token_refused THEN PERFORM fd_refuse('sales.purchase_token_refused'); END IF;
  IF mode = 'queue' AND p_token_hash IS NULL THEN PERFORM fd_refuse('sales.purchase_token_required'); END IF;

  -- Nothing (or not enough) free by committed state: say so before counting anything else.
  -- Picked seats that are all free and locked answer it without counting the tier.
  IF tier.kind = 'ga' THEN
    free_now := fd_tier_left(p_tier, 'ga');
  ELSIF p_seats IS NOT NULL AND cardinality(picked) = cardinality(p_seats) THEN
    free_now := cardinality(picked);
  ELSE
    SELECT count(*)::int INTO free_now FROM (
      SELECT 1 FROM seats s WHERE s.tier_id = p_tier AND s.status = 'available' LIMIT p_quantity) f;
  END IF;
  IF free_now < p_quantity THEN
    IF free_now = 0 THEN PERFORM fd_refuse('sales.sold_out'); END IF;
    PERFORM fd_refuse('sales.not_enough_seats', jsonb_build_object('available', free_now));
  END IF;

  -- The per-account limit: tickets in live holds plus valid tickets held for the event.
  lim := CASE
    WHEN ev.per_account_limit IS NULL THEN sale.per_account_limit
    WHEN sale.per_account_limit IS NULL THEN ev.per_account_limit
    ELSE least(ev.per_account_limit, sale.per_account_limit) END;
  IF lim IS NOT NULL THEN
    SELECT (SELECT coalesce(sum(h.quantity), 0) FROM holds h
             WHERE h.user_id = p_user AND h.event_id = p_event AND h.status = 'active' AND h.expires_at > now())
         + (SELECT count(*) FROM tickets k
             WHERE k.holder_id = p_user AND k.event_id = p_event AND k.status = 'valid')
      INTO counted;
    IF counted + p_quantity > lim THEN
      PERFORM fd_refuse('sales.limit_exceeded', jsonb_build_object('limit', lim, 'counted', counted));
    END IF;
  END IF;

  -- Which seats: the picked ones, the best free ones, or a run side by side.
  IF tier.kind = 'reserved' THEN
    IF p_seats IS NOT NULL THEN
      IF cardinality(picked) < cardinality(p_seats) THEN
        PERFORM fd_refuse('sales.seat_unavailable', jsonb_build_object('seatIds',
          (SELECT jsonb_agg(u.id) FROM unnest(p_seats) AS u(id) WHERE NOT (u.id = ANY (picked)))));
      END IF;
      chosen := picked;
    ELSIF NOT p_together OR p_quantity = 1 THEN
      -- First without waiting (buyers racing for the front rows spread out), then waiting for
      -- seats other transactions have locked: they may yet roll back.
      SELECT coalesce(array_agg(f.id ORDER BY f.section, f.row_index, f.number), '{}') INTO chosen FROM (
        SELECT s.id, s.section, s.row_index, s.number FROM seats s WHERE s.tier_id = p_tier AND s.status = 'available'
        ORDER BY s.section, s.row_index, s.number LIMIT p_quantity FOR UPDATE SKIP LOCKED) f;
      IF cardinality(chosen) < p_quantity THEN
        chosen := chosen || (SELECT coalesce(array_agg(f.id ORDER BY f.section, f.row_index, f.number), '{}') FROM (
          SELECT s.id, s.section, s.row_index, s.number FROM seats s
          WHERE s.tier_id = p_tier AND s.status = 'available' AND NOT (s.id = ANY (chosen))
          ORDER BY s.section, s.row_index, s.number LIMIT p_quantity - cardinality(chosen) FOR UPDATE) f);
      END IF;
      IF cardinality(chosen) < p_quantity THEN PERFORM fd_refuse_shortage(p_tier, 'reserved'); END IF;
    ELSE
      chosen := NULL;
      -- Up to 8 runs of free seats side by side in one row, best first; the first run that locks whole wins.
      FOR run IN
        WITH free AS (
          SELECT s.id, s.section, s.row_index, s.number,
                 s.number - row_number() OVER (PARTITION BY s.section, s.row_index ORDER BY s.number) AS grp
          FROM seats s WHERE s.tier_id = p_tier AND s.status = 'available')
        SELECT (array_agg(f.id ORDER BY f.number))[1:p_quantity] FROM free f
        GROUP BY f.section, f.row_index, f.grp HAVING count(*) >= p_quantity
        ORDER BY f.section, f.row_index, min(f.number) LIMIT 8
      LOOP
        SELECT coalesce(array_agg(f.id), '{}') INTO picked FROM (
          SELECT s.id, s.status FROM seats s WHERE s.id = ANY (run) AND s.tier_id = p_tier
          ORDER BY s.section, s.row_index, s.number FOR UPDATE SKIP LOCKED OFFSET 0) f
        WHERE f.status = 'available';
        IF cardinality(picked) = p_quantity THEN chosen := run; EXIT; END IF;
      END LOOP;
      IF chosen IS NULL THEN
        IF fd_tier_left(p_tier, 'reserved') < p_quantity THEN PERFORM fd_refuse_shortage(p_tier, 'reserved'); END IF;
        PERFORM fd_refuse('sales.not_enough_together', jsonb_build_object('quantity', p_quantity));
      END IF;
    END IF;
  END IF;

  INSERT INTO holds (user_id, event_id, tier_id, kind, quantity, seat_ids, unit_price_cents, unit_fee_cents,
                     currency, idempotency_key, request_hash, purchase_token_hash, expires_at)
  VALUES (p_user, p_event, p_tier, CASE WHEN tier.kind = 'ga' THEN 'ga' ELSE 'seats' END, p_quantity,
          coalesce(chosen, '{}'), tier.price_cents, tier.fee_cents, tier.currency, p_key, p_request_hash,
          CASE WHEN mode = 'queue' THEN p_token_hash END,
          now() + make_interval(secs => sale.hold_ttl_seconds))
  RETURNING * INTO made;

  seat_refs := '[]'::jsonb;
  IF tier.kind = 'reserved' THEN
    -- `hold_id IS NULL` is `status = 'available'` (seats_hold_matches_status) in a form no
    -- partial index matches: the seats are found by key alone, whatever the plan.
    UPDATE seats s SET status = 'held', hold_id = made.id, updated_at = now()
      WHERE s.id = ANY (chosen) AND s.hold_id IS NULL;
    GET DIAGNOSTICS held_count = ROW_COUNT;
    -- Unreachable while we hold the row locks; kept so a future change cannot make it silent.
    IF held_count <> cardinality(chosen) THEN
      PERFORM fd_refuse('sales.seat_unavailable', jsonb_build_object('seatIds', to_jsonb(chosen)));
    END IF;
    seat_refs := fd_seat_refs(chosen);
  END IF;

  -- GA last: every buyer of the tier queues on its one counter row, so the row lock is taken as
  -- late as possible and held only until the commit that follows.
  IF tier.kind = 'ga' THEN
    UPDATE ga_inventory g SET held = g.held + p_quantity
      WHERE g.tier_id = p_tier AND g.held + g.sold + p_quantity <= g.capacity;
    IF NOT FOUND THEN PERFORM fd_refuse_shortage(p_tier, 'ga'); END IF;
  END IF;

  RETURN jsonb_build_object('replay', false, 'hold', to_jsonb(made), 'seats', seat_refs,
    'receipts', jsonb_build_array(fd_receipt_append(p_user, 'hold.created', 'hold', made.id::text, p_event, p_user,
      jsonb_build_object(
        'holdId', made.id, 'tierId', made.tier_id, 'quantity', p_quantity,
        'seats', (SELECT coalesce(jsonb_agg(jsonb_build_object('section', r->'section', 'row', r->'row', 'number', r->'number')), '[]'::jsonb)
                  FROM jsonb_array_elements(seat_refs) AS r),
        'totalCents', p_quantity * (made.unit_price_cents + made.unit_fee_cents),
        'currency', made.currency,
        'expiresAt', fd_iso(made.expires_at)),
      at)));
END $$;
--> statement-breakpoint

-- fd_order_commit as in 0019 (its rules are said there), its receipts chained in one call.
CREATE OR REPLACE FUNCTION fd_order_commit(p_order uuid, p_intent text, p_card_last4 text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  at timestamptz := date_trunc('milliseconds', now());
  o orders;
  h holds;
  current_status text;
  receipts jsonb;
  entries jsonb := '[]'::jsonb;
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
  entries := entries || jsonb_build_object('kind', 'hold.converted', 'subjectType', 'hold', 'subjectId', h.id::text,
    'eventId', h.event_id, 'actorId', o.user_id, 'data', jsonb_build_object('holdId', h.id, 'tierId', h.tier_id, 'quantity', h.quantity, 'orderId', o.id));
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
    entries := entries || jsonb_build_object('kind', 'payment.authorized', 'subjectType', 'payment', 'subjectId', pay.id::text,
      'eventId', o.event_id, 'actorId', NULL, 'data', jsonb_build_object('orderId', o.id, 'provider', o.provider, 'sandbox', o.provider = 'sandbox',
        'amountCents', o.card_cents, 'currency', o.currency, 'intentId', o.intent_id));
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
    entries := entries || jsonb_build_object('kind', 'payment.captured', 'subjectType', 'payment', 'subjectId', pay.id::text,
      'eventId', o.event_id, 'actorId', NULL, 'data', jsonb_build_object('orderId', o.id, 'method', 'gift_card', 'giftCardId', tender ->> 'giftCardId',
        'amountCents', (tender ->> 'amountCents')::int, 'currency', o.currency));
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

  entries := entries
    || jsonb_build_object('kind', 'order.confirmed', 'subjectType', 'order', 'subjectId', o.id::text,
         'eventId', o.event_id, 'actorId', NULL, 'data', jsonb_build_object('orderId', o.id, 'guaranteed', true, 'holdId', o.hold_id, 'totalCents', o.total_cents,
           'currency', o.currency, 'tickets', jsonb_array_length(issued)))
    || jsonb_build_object('kind', 'tickets.issued', 'subjectType', 'order', 'subjectId', o.id::text,
         'eventId', o.event_id, 'actorId', NULL, 'data', jsonb_build_object('orderId', o.id,
           'ticketIds', (SELECT jsonb_agg(t -> 'id') FROM jsonb_array_elements(issued) AS t),
           'seatIds', (SELECT coalesce(jsonb_agg(t -> 'seatId'), '[]'::jsonb) FROM jsonb_array_elements(issued) AS t
                       WHERE t -> 'seatId' <> 'null'::jsonb)));
  receipts := fd_receipts_append(o.user_id, at, entries);

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

-- Their plans made once per connection: a statement given an array or a row's field (the seats
-- picked, the places of the hold) was planned anew at every call, since the generic plan's
-- guess of ten array elements costs more than a custom plan's one; planning was ~0.3 ms of
-- each purchase's Postgres time. Every statement in them finds its rows by key or by the
-- tier's partial index whatever the statistics say (see the seat queries above).
ALTER FUNCTION fd_hold_create(uuid, uuid, uuid, int, uuid[], boolean, text, text, text, boolean)
  SET plan_cache_mode = force_generic_plan;
--> statement-breakpoint
ALTER FUNCTION fd_order_commit(uuid, text, text) SET plan_cache_mode = force_generic_plan;
--> statement-breakpoint
ALTER FUNCTION fd_seat_refs(uuid[]) SET plan_cache_mode = force_generic_plan;
