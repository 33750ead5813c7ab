-- Presales (src/presales/): who may buy in a window, and fd_hold_create taught about windows.

-- May this account buy in this presale window? Its gate: a code it redeemed (and that is not
-- revoked), or its account or confirmed address on the window's list; the event's organizer and
-- door staff pass every window (a `staff` window lets only them through). The API asks the same
-- function (src/presales/presales.repository.ts), so the page and the hold agree.
CREATE OR REPLACE FUNCTION fd_presale_eligible(p_window uuid, p_user uuid) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
  w record;
BEGIN
  SELECT pw.id, pw.event_id, pw.gate INTO w FROM presale_windows pw WHERE pw.id = p_window;
  IF NOT FOUND THEN RETURN false; END IF;
  IF EXISTS (SELECT 1 FROM events e WHERE e.id = w.event_id AND e.organizer_id = p_user)
     OR EXISTS (SELECT 1 FROM event_staff s WHERE s.event_id = w.event_id AND s.user_id = p_user) THEN
    RETURN true;
  END IF;
  IF w.gate = 'code' THEN
    RETURN EXISTS (SELECT 1 FROM presale_redemptions r JOIN presale_codes c ON c.id = r.code_id
                   WHERE r.window_id = w.id AND r.user_id = p_user AND c.revoked_at IS NULL);
  END IF;
  IF w.gate = 'allowlist' THEN
    RETURN EXISTS (SELECT 1 FROM presale_allowlist a WHERE a.window_id = w.id AND a.user_id = p_user)
        OR EXISTS (SELECT 1 FROM presale_allowlist a JOIN users u ON lower(u.email) = a.email
                   WHERE a.window_id = w.id AND u.id = p_user AND u.email_verified_at IS NOT NULL);
  END IF;
  RETURN false;
END $$;
--> statement-breakpoint

-- fd_hold_create as in 0024, except before the general sale's start: a presale window open now
-- sells to the accounts fd_presale_eligible lets through, in the window's own mode.
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
      SELECT s.id, s.section, s.row_index, s.number FROM seats s
      WHERE s.id = ANY (p_seats) AND s.event_id = p_event AND s.tier_id = p_tier AND s.status = 'available'
      ORDER BY s.section, s.row_index, s.number FOR UPDATE) s;
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
          SELECT s.id FROM seats s WHERE s.id = ANY (run) AND s.tier_id = p_tier AND s.status = 'available'
          ORDER BY s.section, s.row_index, s.number FOR UPDATE SKIP LOCKED) f;
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
    UPDATE seats s SET status = 'held', hold_id = made.id, updated_at = now()
      WHERE s.id = ANY (chosen) AND s.status = 'available';
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

