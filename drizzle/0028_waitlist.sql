CREATE TABLE "waitlist_counters" (
	"event_id" uuid PRIMARY KEY NOT NULL,
	"last_seq" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "waitlist_entries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"event_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"seq" bigint NOT NULL,
	"state" text DEFAULT 'waiting' NOT NULL,
	"hold_id" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"offered_at" timestamp (3) with time zone,
	"left_at" timestamp (3) with time zone,
	CONSTRAINT "waitlist_state_valid" CHECK ("waitlist_entries"."state" in ('waiting','offered','left','skipped')),
	CONSTRAINT "waitlist_offer_has_hold" CHECK (("waitlist_entries"."state" = 'offered') = ("waitlist_entries"."hold_id" is not null))
);
--> statement-breakpoint
ALTER TABLE "waitlist_counters" ADD CONSTRAINT "waitlist_counters_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "waitlist_entries" ADD CONSTRAINT "waitlist_entries_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "waitlist_entries" ADD CONSTRAINT "waitlist_entries_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "waitlist_entries" ADD CONSTRAINT "waitlist_entries_hold_id_holds_id_fk" FOREIGN KEY ("hold_id") REFERENCES "public"."holds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "waitlist_event_user_unique" ON "waitlist_entries" USING btree ("event_id","user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "waitlist_event_seq_unique" ON "waitlist_entries" USING btree ("event_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "waitlist_hold_unique" ON "waitlist_entries" USING btree ("hold_id") WHERE "waitlist_entries"."hold_id" is not null;--> statement-breakpoint
CREATE INDEX "waitlist_waiting_idx" ON "waitlist_entries" USING btree ("event_id","seq") WHERE "waitlist_entries"."state" = 'waiting';--> statement-breakpoint

-- Places that came back to stock (a hold that lapsed or was let go, an order cancelled or
-- refunded) go to a sold-out sale's waitlist first: each place becomes a hold for the next fan
-- in line, in the same transaction that gave it back, so between the return and the offer
-- nobody else can take it, and it is never offered to two fans. The hold is the offer: it
-- lapses after p_ttl_seconds like any hold (the expiry sweep), and its places come back
-- through here again, to the next fan. Called by src/sales/inventory.repository.ts after each
-- return (src/waitlist/waitlist.repository.ts, offerReturnedPlaces). With nobody waiting it is
-- one index probe and gives nothing (the places stay in stock, on sale to anyone).
--
-- p_seats: the seats just made available (reserved tiers), or null with p_quantity GA places.
-- Returns a JSON array of offers: { entryId, userId, holdId, eventId, expiresAt, receipt }.
CREATE OR REPLACE FUNCTION fd_waitlist_offer(p_tier uuid, p_seats uuid[], p_quantity int, p_ttl_seconds int)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  at timestamptz := date_trunc('milliseconds', now());
  tier record;
  sale record;
  places int;
  i int;
  seat uuid;
  entry record;
  tried uuid[] := '{}';
  lim int;
  counted int;
  made holds;
  seat_refs jsonb;
  moved int;
  offers jsonb := '[]'::jsonb;
BEGIN
  SELECT t.event_id, t.kind, t.price_cents, t.fee_cents, t.currency, e.status AS event_status,
         e.per_account_limit AS event_limit
    INTO tier FROM price_tiers t JOIN events e ON e.id = t.event_id WHERE t.id = p_tier;
  IF NOT FOUND THEN RETURN offers; END IF;
  IF NOT EXISTS (SELECT 1 FROM waitlist_entries w WHERE w.event_id = tier.event_id AND w.state = 'waiting') THEN
    RETURN offers;
  END IF;
  -- Only while the sale is on: a cancelled event or an ended sale keeps its places in stock.
  IF tier.event_status NOT IN ('on_sale', 'scheduled', 'sold_out') THEN RETURN offers; END IF;
  SELECT o.state, o.sale_starts_at, o.sale_ends_at, o.per_account_limit INTO sale
    FROM onsale_settings o WHERE o.event_id = tier.event_id;
  IF NOT FOUND OR sale.state <> 'scheduled' OR now() < sale.sale_starts_at
     OR (sale.sale_ends_at IS NOT NULL AND now() >= sale.sale_ends_at) THEN
    RETURN offers;
  END IF;
  lim := CASE
    WHEN tier.event_limit IS NULL THEN sale.per_account_limit
    WHEN sale.per_account_limit IS NULL THEN tier.event_limit
    ELSE least(tier.event_limit, sale.per_account_limit) END;

  places := CASE WHEN p_seats IS NULL THEN p_quantity ELSE cardinality(p_seats) END;
  FOR i IN 1..coalesce(places, 0) LOOP
    seat := CASE WHEN p_seats IS NULL THEN NULL ELSE p_seats[i] END;
    LOOP
      -- The next fan in line. SKIP LOCKED: a return running beside this one takes the fan after.
      SELECT w.id, w.user_id INTO entry FROM waitlist_entries w
        WHERE w.event_id = tier.event_id AND w.state = 'waiting' AND NOT (w.id = ANY (tried))
        ORDER BY w.seq LIMIT 1 FOR UPDATE SKIP LOCKED;
      IF NOT FOUND THEN RETURN offers; END IF;
      tried := tried || entry.id;
      -- The fan's own hold requests take this lock first (fd_hold_create); waiting for it here,
      -- while holding the returned place's row, could deadlock. A fan busy buying right now
      -- keeps their place in line for the next return.
      CONTINUE WHEN NOT pg_try_advisory_xact_lock(hashtextextended('limit:' || entry.user_id::text || ':' || tier.event_id::text, 0));
      IF lim IS NOT NULL THEN
        SELECT (SELECT coalesce(sum(h.quantity), 0) FROM holds h
                 WHERE h.user_id = entry.user_id AND h.event_id = tier.event_id AND h.status = 'active' AND h.expires_at > now())
             + (SELECT count(*) FROM tickets k
                 WHERE k.holder_id = entry.user_id AND k.event_id = tier.event_id AND k.status = 'valid')
          INTO counted;
        IF counted + 1 > lim THEN
          UPDATE waitlist_entries SET state = 'skipped' WHERE id = entry.id;
          CONTINUE;
        END IF;
      END IF;
      EXIT;
    END LOOP;

    INSERT INTO holds (user_id, event_id, tier_id, kind, quantity, seat_ids, unit_price_cents, unit_fee_cents,
                       currency, idempotency_key, expires_at)
    VALUES (entry.user_id, tier.event_id, p_tier, CASE WHEN seat IS NULL THEN 'ga' ELSE 'seats' END, 1,
            CASE WHEN seat IS NULL THEN '{}'::uuid[] ELSE ARRAY[seat] END, tier.price_cents, tier.fee_cents,
            tier.currency, 'waitlist:' || entry.id::text, now() + make_interval(secs => p_ttl_seconds))
    RETURNING * INTO made;
    seat_refs := '[]'::jsonb;
    IF seat IS NOT NULL THEN
      UPDATE seats s SET status = 'held', hold_id = made.id, updated_at = now()
        WHERE s.id = seat AND s.status = 'available';
      GET DIAGNOSTICS moved = ROW_COUNT;
      seat_refs := fd_seat_refs(ARRAY[seat]);
    ELSE
      UPDATE ga_inventory g SET held = g.held + 1
        WHERE g.tier_id = p_tier AND g.held + g.sold + 1 <= g.capacity;
      GET DIAGNOSTICS moved = ROW_COUNT;
    END IF;
    -- The caller returned this place in this transaction and still holds its row: it is there.
    -- Should a change ever break that, fail loudly rather than offer a place that is not.
    IF moved <> 1 THEN RAISE EXCEPTION 'waitlist offer: returned place % of tier % is not in stock', seat, p_tier; END IF;
    UPDATE waitlist_entries SET state = 'offered', hold_id = made.id, offered_at = at WHERE id = entry.id;

    offers := offers || jsonb_build_object(
      'entryId', entry.id, 'userId', entry.user_id, 'holdId', made.id, 'eventId', tier.event_id,
      'expiresAt', fd_iso(made.expires_at),
      'receipt', fd_receipt_append(entry.user_id, 'hold.created', 'hold', made.id::text, tier.event_id, NULL,
        jsonb_build_object(
          'holdId', made.id, 'tierId', made.tier_id, 'quantity', 1,
          'seats', (SELECT coalesce(jsonb_agg(jsonb_build_object('section', r->'section', 'row', r->'row', 'number', r->'number')), '[]'::jsonb)
                    FROM jsonb_array_elements(seat_refs) AS r),
          'totalCents', made.unit_price_cents + made.unit_fee_cents,
          'currency', made.currency,
          'expiresAt', fd_iso(made.expires_at),
          'waitlist', true),
        at));
  END LOOP;
  RETURN offers;
END $$;
