-- fd_order_captured for many orders in one statement: the captures that concurrent purchases
-- record are written together (src/orders/orders.settlement.ts batches them), one transaction
-- and one round trip for the batch. p_captures is a JSON array of
-- { orderId, provider, amountCents }; the answer is the array of fd_order_captured's answers,
-- in the same order. If any of them raises, the whole batch rolls back and the caller records
-- each capture on its own.
CREATE OR REPLACE FUNCTION fd_orders_captured(p_captures jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  c jsonb;
  answers jsonb := '[]'::jsonb;
BEGIN
  FOR c IN SELECT e.value FROM jsonb_array_elements(p_captures) WITH ORDINALITY AS e(value, n) ORDER BY e.n LOOP
    answers := answers || jsonb_build_array(
      fd_order_captured((c->>'orderId')::uuid, c->>'provider', (c->>'amountCents')::int));
  END LOOP;
  RETURN answers;
END $$;
