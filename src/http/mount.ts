import { Readable } from 'node:stream';
import type { Express, NextFunction, Request, Response } from 'express';
import type { Principal } from '../auth/principal.js';
import { AppError, forbidden, unauthorized } from '../shared/errors.js';
import { IDEMPOTENCY_KEY, requestHash, type IdempotencyStore } from './idempotency.js';
import { problemDocument, sendProblem } from './problem.js';
import type { RateLimiter } from './rate-limit.js';
import { JsonText, parsePart, Reply, RequestContext, StreamedText, type AnyRoute } from './route.js';
import { pathSegments, RouteTable } from './route-table.js';
import { readUpload } from './upload.js';

export interface Pipeline {
  /** Resolves a bearer token to its account; throws a 401 problem for a bad or expired one. */
  authenticate(token: string): Promise<Principal>;
  rateLimiter: RateLimiter;
  idempotency: IdempotencyStore;
}

const mutating = new Set(['post', 'put', 'patch', 'delete']);

/** The bearer token of an `Authorization` header; null without one, a 401 problem for a malformed one. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) throw unauthorized('auth.malformed_header', 'Send the session as "Authorization: Bearer <token>".');
  return match[1];
}

/** The caller's account as the route's access asks: null on public routes and anonymous optional ones; 401/403 problems. */
export async function principalFor(
  route: AnyRoute,
  authorization: string | undefined,
  pipeline: Pipeline,
): Promise<Principal | null> {
  // A public route ignores the header, whatever its scheme: Apple's PassKit calls send `ApplePass <token>`.
  if (route.access === 'public') return null;
  const token = bearerToken(authorization);
  const principal = token ? await pipeline.authenticate(token) : null;
  if (route.access === 'optional') return principal;
  if (!principal) throw unauthorized('auth.required', 'Sign in to do this.');
  if (typeof route.access === 'object') {
    const allowed = principal.roles.includes('admin') || route.access.roles.some((r) => principal.roles.includes(r));
    if (!allowed) throw forbidden('auth.forbidden', `This needs the ${route.access.roles.join(' or ')} role.`);
  }
  return principal;
}

/** The request's Idempotency-Key when the route honours one (checked for form; required where the route says so). */
export function idempotencyKeyOf(route: AnyRoute, header: string | undefined): string | undefined {
  const key = mutating.has(route.method) && route.idempotency !== 'off' ? header : undefined;
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
    throw new AppError(400, 'idempotency.invalid_key', 'Idempotency-Key must be 8 to 255 printable ASCII characters.', {
      errors: [
        { in: 'header', field: 'Idempotency-Key', code: 'invalid', message: '8 to 255 printable ASCII characters' },
      ],
    });
  }
  if (key === undefined && (route.idempotency === 'required' || route.idempotency === 'natural-required')) {
    throw new AppError(
      400,
      'idempotency.key_required',
      'This request needs an Idempotency-Key header (a fresh UUID per attempt).',
      {
        errors: [{ in: 'header', field: 'Idempotency-Key', code: 'required', message: 'required' }],
      },
    );
  }
  return key;
}

/** Whether the route stores its answer under the request's Idempotency-Key (a `natural` route's own operation answers a retry). */
export const storesAnswers = (route: AnyRoute) =>
  route.idempotency !== 'natural' && route.idempotency !== 'natural-required' && route.idempotency !== 'off';

/** A handler's result as status, body (parsed through the route's response schema on success) and headers. */
export function replyOf(
  route: AnyRoute,
  result: unknown,
): { status: number; payload: unknown; headers: Record<string, string> } {
  const reply = result instanceof Reply ? result : new Reply(route.response.status, result);
  const checked =
    route.response.schema &&
    reply.body !== undefined &&
    reply.status < 300 &&
    !(reply.body instanceof JsonText) &&
    !(reply.body instanceof StreamedText);
  return {
    status: reply.status,
    payload: checked ? route.response.schema!.parse(reply.body) : reply.body,
    headers: reply.headers,
  };
}

function readBody(route: AnyRoute, req: Request): unknown {
  if (!route.body) return undefined;
  const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  if (hasBody && !req.is('application/json')) {
    throw new AppError(415, 'request.unsupported_media_type', 'Send the body as application/json.', {
      errors: [
        { in: 'header', field: 'Content-Type', code: 'unsupported_media_type', message: 'must be application/json' },
      ],
    });
  }
  return req.body;
}

/**
 * Writes the answer. GET and HEAD go through Express' `res.send`, for its ETag and 304 on a
 * matching `If-None-Match`; any other method's answer is never revalidated, so its JSON is
 * written as it is, without hashing the body for an ETag no client can use.
 */
function send(req: Request, res: Response, status: number, body: unknown, headers: Record<string, string>): void {
  for (const name in headers) res.setHeader(name, headers[name]!);
  res.statusCode = status;
  if (status === 204 || body === undefined) {
    res.end();
    return;
  }
  if (body instanceof StreamedText) {
    res.setHeader('Content-Type', body.contentType);
    const source = Readable.from(body.chunks);
    // Headers are out: a failure half-way can only cut the answer short, which the client sees.
    source.on('error', (err) => {
      req.log.error({ err }, 'streamed answer failed');
      res.destroy(err);
    });
    source.pipe(res);
    return;
  }
  // A replayed refusal has set application/problem+json already.
  if (!res.hasHeader('Content-Type')) res.setHeader('Content-Type', 'application/json; charset=utf-8');
  // Bytes (a picture) go as they are, with the Content-Type and ETag their route set.
  const text = body instanceof JsonText ? body.text : Buffer.isBuffer(body) ? body : JSON.stringify(body);
  if (req.method === 'GET' || req.method === 'HEAD') res.send(text);
  else res.end(text);
}

async function run(route: AnyRoute, req: Request, res: Response, pipeline: Pipeline): Promise<void> {
  const principal = await principalFor(route, req.get('authorization'), pipeline);
  const params = route.params ? parsePart('params', route.params, req.params) : undefined;
  const query = route.query ? parsePart('query', route.query, req.query) : undefined;
  const raw = route.upload ? await readUpload(req, res, route.upload) : route.body ? readBody(route, req) : undefined;
  const body = route.body ? parsePart('body', route.body, raw) : undefined;
  // Computed once: with `trust proxy`, each read of req.ip parses X-Forwarded-For again.
  const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';

  if (route.rateLimits) await pipeline.rateLimiter.hit(route.rateLimits({ ip, principal, body }));

  const key = idempotencyKeyOf(route, req.get('idempotency-key'));
  const scope = principal ? `user:${principal.userId}` : 'anon';
  const stored = storesAnswers(route) ? key : undefined;
  if (stored !== undefined) {
    const claim = await pipeline.idempotency.claim(scope, stored, requestHash(route.method, req.originalUrl, body));
    if (claim.kind === 'replay') {
      res.setHeader('Idempotent-Replayed', 'true');
      if (claim.status >= 400) res.type('application/problem+json');
      send(req, res, claim.status, claim.body, claim.headers);
      return;
    }
  }

  let answer: ReturnType<typeof replyOf>;
  try {
    const ctx = new RequestContext(req, res, { params, query, body, principal, ip });
    answer = replyOf(route, await route.handler(ctx));
  } catch (err) {
    if (stored !== undefined) {
      if (err instanceof AppError && err.status < 500) {
        // A refusal is the request's answer: a retry gets the same one.
        await pipeline.idempotency.complete(
          scope,
          stored,
          err.status,
          problemDocument(err, req),
          err.extra.headers ?? {},
        );
      } else {
        await pipeline.idempotency.release(scope, stored);
      }
    }
    throw err;
  }
  const { status, payload, headers } = answer;
  // A JsonText answer is stored as its text: sealing needs text anyway.
  if (stored !== undefined) await pipeline.idempotency.complete(scope, stored, status, payload, headers);
  send(req, res, status, payload, headers);
}

/**
 * Every route under its method, in the order given (the first whose pattern matches answers),
 * and under `405` the methods each path allows. The lean path (lean.ts) finds its routes in
 * the same table, so both answer a request with the same route.
 */
export function routeTable(routes: readonly AnyRoute[]): RouteTable<AnyRoute | string> {
  const table = new RouteTable<AnyRoute | string>();
  const methodsByPath = new Map<string, Set<string>>();
  for (const route of routes) {
    table.add(route.method, route.path, route);
    const methods = methodsByPath.get(route.path) ?? new Set<string>();
    methods.add(route.method.toUpperCase());
    if (route.method === 'get') methods.add('HEAD');
    methodsByPath.set(route.path, methods);
  }
  for (const [path, methods] of methodsByPath) table.add('405', path, [...methods].join(', '));
  return table;
}

/** The 405 answer for a known path called with another method (204 with `Allow` for OPTIONS). */
function notAllowed(req: Request, res: Response, allow: string): void {
  if (req.method === 'OPTIONS') {
    res.setHeader('Allow', allow).status(204).end();
    return;
  }
  sendProblem(
    res,
    req,
    new AppError(405, 'request.method_not_allowed', `${req.method} is not allowed here; use ${allow}.`, {
      headers: { Allow: allow },
    }),
  );
}

/**
 * Registers every route, then answers 405 with `Allow` for a known path called with another method.
 *
 * One Express layer finds the route in a table by method and depth (see route-table.ts) and
 * runs it. Express' own routing tries a regular expression per layer and dispatches through a
 * nested router and route with closures per request at each level: with ~80 routes that was a
 * visible share of a join's CPU in bench:queue's profile (about 0.1 ms with one router, still
 * tens of µs with a router per method and depth). Which route answers a request is unchanged:
 * the first registered whose pattern matches; a GET route answers HEAD too, as in Express.
 */
export function mountRoutes(app: Express, routes: readonly AnyRoute[], pipeline: Pipeline): void {
  const table = routeTable(routes);
  app.use((req: Request, res: Response, next: NextFunction) => {
    const parts = pathSegments(req.path);
    const method = req.method === 'HEAD' ? 'get' : req.method.toLowerCase();
    let match;
    try {
      match = table.find(method, parts) ?? table.find('405', parts);
    } catch (err) {
      next(err);
      return;
    }
    if (!match) {
      next();
      return;
    }
    req.params = match.params;
    req.routePattern = match.pattern;
    if (typeof match.value === 'string') notAllowed(req, res, match.value);
    else run(match.value, req, res, pipeline).catch(next);
  });
}
