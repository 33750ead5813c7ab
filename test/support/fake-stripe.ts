import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for api.stripe.com, just the PaymentIntent and Refund endpoints our adapter
 * uses, spoken the way Stripe speaks them: form-encoded bodies, Idempotency-Key replay (and a
 * 400 when a key is reused with other parameters), card errors as 402 with the intent attached.
 * The real `stripe` SDK talks to it through STRIPE_API_BASE.
 *
 * The browser side (the fake Stripe.js of test/browser) reaches it with the publishable key in
 * the form body, as Stripe.js does: POST /v1/payment_methods turns a test card number into a
 * payment method, and POST /v1/payment_intents/:id/authenticate stands for the bank's 3-D Secure
 * page (outcome=complete|fail, with the intent's client secret). Those answers allow any origin.
 */

type Json = Record<string, any>;

export interface FakeStripe {
  url: string;
  intents: Map<string, Json>;
  calls: { method: string; path: string; idempotencyKey: string | null; body: Record<string, string> }[];
  /** Next capture is applied but answered with a 500, as if the answer were lost on the way back. */
  loseNextCaptureAnswer(): void;
  close(): Promise<void>;
}

type Outcome = { decline?: string; action?: boolean };

const outcomes: Record<string, Outcome> = {
  pm_card_visa: {},
  pm_card_mastercard: {},
  pm_card_chargeDeclined: { decline: 'generic_decline' },
  pm_card_chargeDeclinedInsufficientFunds: { decline: 'insufficient_funds' },
  pm_card_authenticationRequired: { action: true },
};

/** Stripe's test card numbers, as Stripe.js would turn them into payment methods. */
const testCards: Record<string, Outcome> = {
  '4242424242424242': outcomes.pm_card_visa!,
  '4000000000000002': outcomes.pm_card_chargeDeclined!,
  '4000000000009995': outcomes.pm_card_chargeDeclinedInsufficientFunds!,
  '4000002760003184': outcomes.pm_card_authenticationRequired!,
  '4000002500003155': outcomes.pm_card_authenticationRequired!,
};

const id = (prefix: string) => `${prefix}_${randomBytes(10).toString('hex')}`;

async function readForm(req: IncomingMessage): Promise<Record<string, string>> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return Object.fromEntries(new URLSearchParams(text));
}

export async function startFakeStripe(): Promise<FakeStripe> {
  const intents = new Map<string, Json>();
  const charges = new Map<string, Json>();
  const replay = new Map<string, { params: string; status: number; body: Json }>();
  const calls: FakeStripe['calls'] = [];
  /** Payment methods made from card numbers by the browser. */
  const methods = new Map<string, { outcome: Outcome; last4: string }>();
  let loseCapture = false;

  const expandCharge = (intent: Json, expand: boolean): Json =>
    expand && typeof intent.latest_charge === 'string'
      ? { ...intent, latest_charge: charges.get(intent.latest_charge) }
      : intent;

  const error = (status: number, err: Json) => ({ status, body: { error: err } });

  function handle(
    method: string,
    path: string,
    form: Record<string, string>,
    query: URLSearchParams,
  ): { status: number; body: Json } {
    const expand =
      Object.entries(form).some(([k, v]) => k.startsWith('expand[') && v === 'latest_charge') ||
      query.getAll('expand[]').includes('latest_charge') ||
      query.getAll('expand[0]').includes('latest_charge');
    let m: RegExpExecArray | null;
    if (method === 'POST' && path === '/v1/payment_intents') {
      const pm = form.payment_method ?? '';
      const outcome = outcomes[pm] ?? methods.get(pm)?.outcome;
      if (!outcome)
        return error(400, {
          type: 'invalid_request_error',
          code: 'resource_missing',
          message: `No such PaymentMethod: '${pm}'`,
          param: 'payment_method',
        });
      const last4 = methods.get(pm)?.last4 ?? (pm === 'pm_card_visa' ? '4242' : '4444');
      const charge = {
        id: id('ch'),
        object: 'charge',
        amount: Number(form.amount),
        amount_refunded: 0,
        payment_method_details: { card: { last4 } },
      };
      charges.set(charge.id, charge);
      const metadata = Object.fromEntries(
        Object.entries(form)
          .filter(([k]) => k.startsWith('metadata['))
          .map(([k, v]) => [k.slice(9, -1), v]),
      );
      const intent: Json = {
        id: id('pi'),
        object: 'payment_intent',
        amount: Number(form.amount),
        amount_received: 0,
        amount_capturable: 0,
        currency: form.currency,
        capture_method: form.capture_method,
        metadata,
        latest_charge: charge.id,
        last_payment_error: null,
        status: 'requires_capture',
      };
      intent.client_secret = `${intent.id}_secret_${randomBytes(12).toString('hex')}`;
      if (outcome.decline) {
        intent.status = 'requires_payment_method';
        intent.last_payment_error = { type: 'card_error', code: 'card_declined', decline_code: outcome.decline };
        intents.set(intent.id, intent);
        return error(402, {
          type: 'card_error',
          code: 'card_declined',
          decline_code: outcome.decline,
          message: 'Your card was declined.',
          payment_intent: expandCharge(intent, expand),
        });
      }
      if (outcome.action) intent.status = 'requires_action';
      else intent.amount_capturable = intent.amount;
      intents.set(intent.id, intent);
      return { status: 200, body: expandCharge(intent, expand) };
    }
    if ((m = /^\/v1\/payment_intents\/([\w]+)(?:\/(capture|cancel))?$/.exec(path))) {
      const intent = intents.get(m[1]!);
      if (!intent)
        return error(404, {
          type: 'invalid_request_error',
          code: 'resource_missing',
          message: 'No such payment_intent',
        });
      if (method === 'GET') return { status: 200, body: expandCharge(intent, expand) };
      if (m[2] === 'capture') {
        if (intent.status !== 'requires_capture')
          return error(400, {
            type: 'invalid_request_error',
            code: 'payment_intent_unexpected_state',
            message: `status ${intent.status}`,
          });
        intent.status = 'succeeded';
        intent.amount_received = intent.amount;
        intent.amount_capturable = 0;
        if (loseCapture) {
          loseCapture = false;
          return error(500, { type: 'api_error', message: 'lost on the way back' });
        }
        return { status: 200, body: expandCharge(intent, expand) };
      }
      if (m[2] === 'cancel') {
        if (!['requires_capture', 'requires_payment_method', 'requires_action'].includes(intent.status)) {
          return error(400, {
            type: 'invalid_request_error',
            code: 'payment_intent_unexpected_state',
            message: `status ${intent.status}`,
          });
        }
        intent.status = 'canceled';
        intent.amount_capturable = 0;
        return { status: 200, body: expandCharge(intent, expand) };
      }
    }
    if (method === 'POST' && path === '/v1/payment_methods') {
      const number = (form['card[number]'] ?? '').replace(/\D/g, '');
      const outcome = testCards[number];
      if (!outcome)
        return error(402, {
          type: 'card_error',
          code: 'incorrect_number',
          message: 'Your card number is incorrect.',
          param: 'number',
        });
      const pm = {
        id: id('pm'),
        object: 'payment_method',
        type: 'card',
        card: { brand: 'visa', last4: number.slice(-4) },
      };
      methods.set(pm.id, { outcome, last4: number.slice(-4) });
      return { status: 200, body: pm };
    }
    if (method === 'POST' && (m = /^\/v1\/payment_intents\/([\w]+)\/authenticate$/.exec(path))) {
      const intent = intents.get(m[1]!);
      if (!intent || form.client_secret !== intent.client_secret)
        return error(404, {
          type: 'invalid_request_error',
          code: 'resource_missing',
          message: 'No such payment_intent',
        });
      if (intent.status !== 'requires_action')
        return error(400, {
          type: 'invalid_request_error',
          code: 'payment_intent_unexpected_state',
          message: `status ${intent.status}`,
        });
      if (form.outcome === 'complete') {
        intent.status = 'requires_capture';
        intent.amount_capturable = intent.amount;
      } else {
        intent.status = 'requires_payment_method';
        intent.last_payment_error = {
          type: 'invalid_request_error',
          code: 'payment_intent_authentication_failure',
          message: 'The customer failed 3-D Secure authentication.',
        };
      }
      return {
        status: 200,
        body: {
          id: intent.id,
          object: 'payment_intent',
          status: intent.status,
          last_payment_error: intent.last_payment_error,
        },
      };
    }
    if (method === 'POST' && path === '/v1/refunds') {
      const intent = intents.get(form.payment_intent ?? '');
      if (!intent || intent.status !== 'succeeded')
        return error(400, { type: 'invalid_request_error', code: 'charge_not_captured' });
      const charge = charges.get(intent.latest_charge)!;
      const amount = form.amount ? Number(form.amount) : intent.amount_received - charge.amount_refunded;
      if (charge.amount_refunded + amount > intent.amount_received)
        return error(400, { type: 'invalid_request_error', code: 'amount_too_large' });
      charge.amount_refunded += amount;
      return {
        status: 200,
        body: { id: id('re'), object: 'refund', amount, payment_intent: intent.id, status: 'succeeded' },
      };
    }
    return error(404, { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path})` });
  }

  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const form = req.method === 'POST' ? await readForm(req) : {};
    const key = (req.headers['idempotency-key'] as string | undefined) ?? null;
    calls.push({ method: req.method ?? 'GET', path: url.pathname, idempotencyKey: key, body: form });
    let answer: { status: number; body: Json };
    const browser =
      req.method === 'POST' && (url.pathname === '/v1/payment_methods' || url.pathname.endsWith('/authenticate'));
    if (browser) {
      answer = form.key?.startsWith('pk_test_')
        ? handle('POST', url.pathname, form, url.searchParams)
        : error(401, { type: 'invalid_request_error', message: 'Invalid publishable key provided' });
    } else if (!String(req.headers.authorization ?? '').startsWith('Bearer sk_test_')) {
      answer = error(401, { type: 'invalid_request_error', message: 'Invalid API Key provided' });
    } else if (req.method === 'POST' && key) {
      const params = `${url.pathname} ${JSON.stringify(form)}`;
      const prior = replay.get(key);
      if (prior && prior.params !== params) {
        answer = error(400, {
          type: 'idempotency_error',
          message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.',
        });
      } else if (prior && prior.status < 500) {
        answer = prior;
      } else {
        answer = handle(req.method, url.pathname, form, url.searchParams);
        replay.set(key, { params, ...answer });
      }
    } else {
      answer = handle(req.method ?? 'GET', url.pathname, form, url.searchParams);
    }
    // A lost answer must not be retried by the SDK: Stripe says so with this header.
    res.writeHead(answer.status, {
      'content-type': 'application/json',
      'request-id': id('req'),
      ...(answer.status >= 500 ? { 'stripe-should-retry': 'false' } : {}),
      ...(browser ? { 'access-control-allow-origin': '*' } : {}),
    });
    res.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    intents,
    calls,
    loseNextCaptureAnswer: () => void (loseCapture = true),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
