import { Router, type Express, type NextFunction, type Request, type Response } from 'express';
import type { Principal } from '../auth/principal.js';
import { AppError, forbidden, unauthorized } from '../shared/errors.js';
import { IDEMPOTENCY_KEY, requestHash, type IdempotencyStore } from './idempotency.js';
import { problemDocument, sendProblem } from './problem.js';
import type { RateLimiter } from './rate-limit.js';
import { JsonText, makeContext, parsePart, Reply, type AnyRoute } from './route.js';

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

async function resolvePrincipal(route: AnyRoute, req: Request, pipeline: Pipeline): Promise<Principal | null> {
  const token = bearerToken(req.get('authorization'));
  if (route.access === 'public') return null;
  const principal = token ? await pipeline.authenticate(token) : null;
  if (route.access === 'optional') return principal;
  if (!principal) throw unauthorized('auth.required', 'Sign in to do this.');
  if (typeof route.access === 'object') {
    const allowed = principal.roles.includes('admin') || route.access.roles.some((r) => principal.roles.includes(r));
    if (!allowed) throw forbidden('auth.forbidden', `This needs the ${route.access.roles.join(' or ')} role.`);
  }
  return principal;
}

function readBody(route: AnyRoute, req: Request): unknown {
  if (!route.body) return undefined;
  const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  if (hasBody && !req.is('application/json')) {
    throw new AppError(415, 'request.unsupported_media_type', 'Send the body as application/json.', {
      errors: [{ in: 'header', field: 'Content-Type', code: 'unsupported_media_type', message: 'must be application/json' }],
    });
  }
  return req.body;
}

function send(res: Response, status: number, body: unknown, headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (status === 204 || body === undefined) res.status(status).end();
  else if (body instanceof JsonText) res.status(status).type('application/json').send(body.text);
  else res.status(status).json(body);
}

async function run(route: AnyRoute, req: Request, res: Response, pipeline: Pipeline): Promise<void> {
  const principal = await resolvePrincipal(route, req, pipeline);
  const params = route.params ? parsePart('params', route.params, req.params) : undefined;
  const query = route.query ? parsePart('query', route.query, req.query) : undefined;
  const body = route.body ? parsePart('body', route.body, readBody(route, req)) : undefined;
  const ip = req.ip ?? 'unknown';

  if (route.rateLimits) await pipeline.rateLimiter.hit(route.rateLimits({ ip, principal, body }));

  const key = mutating.has(route.method) && route.idempotency !== 'off' ? req.get('idempotency-key') : undefined;
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
    throw new AppError(400, 'idempotency.invalid_key', 'Idempotency-Key must be 8 to 255 printable ASCII characters.', {
      errors: [{ in: 'header', field: 'Idempotency-Key', code: 'invalid', message: '8 to 255 printable ASCII characters' }],
    });
  }
  if (key === undefined && route.idempotency === 'required') {
    throw new AppError(400, 'idempotency.key_required', 'This request needs an Idempotency-Key header (a fresh UUID per attempt).', {
      errors: [{ in: 'header', field: 'Idempotency-Key', code: 'required', message: 'required' }],
    });
  }
  const scope = principal ? `user:${principal.userId}` : 'anon';
  // A `natural` route's own operation answers a retry: its key is checked above, not stored.
  const stored = route.idempotency === 'natural' ? undefined : key;
  if (stored !== undefined) {
    const claim = await pipeline.idempotency.claim(scope, stored, requestHash(route.method, req.originalUrl, body));
    if (claim.kind === 'replay') {
      res.setHeader('Idempotent-Replayed', 'true');
      if (claim.status >= 400) res.type('application/problem+json');
      send(res, claim.status, claim.body, claim.headers);
      return;
    }
  }

  let status: number;
  let payload: unknown;
  let headers: Record<string, string> = {};
  try {
    const ctx = makeContext(req, res, { params, query, body, principal }, req.log);
    const result = await route.handler(ctx);
    const reply = result instanceof Reply ? result : new Reply(route.response.status, result);
    status = reply.status;
    headers = reply.headers;
    const checked = route.response.schema && reply.body !== undefined && status < 300 && !(reply.body instanceof JsonText);
    payload = checked ? route.response.schema!.parse(reply.body) : reply.body;
  } catch (err) {
    if (stored !== undefined) {
      if (err instanceof AppError && err.status < 500) {
        // A refusal is the request's answer: a retry gets the same one.
        await pipeline.idempotency.complete(scope, stored, err.status, problemDocument(err, req), err.extra.headers ?? {});
      } else {
        await pipeline.idempotency.release(scope, stored);
      }
    }
    throw err;
  }
  if (stored !== undefined) await pipeline.idempotency.complete(scope, stored, status, payload instanceof JsonText ? JSON.parse(payload.text) : payload, headers);
  send(res, status, payload, headers);
}

/** Path segments of a route pattern or a request path; a trailing slash does not count (routing is not strict). */
const depth = (path: string) => (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path).split('/').length;

/**
 * Registers every route, then answers 405 with `Allow` for a known path called with another method.
 *
 * Express tries its layers one by one, a regular expression each: with ~80 routes and their 405
 * handlers in one list, finding the join route was a visible share of a join's CPU in
 * bench:queue's profile (about 0.1 ms). A pattern without wildcards only matches paths of
 * its own depth, so the routes go into one router per method and depth (registration order
 * kept inside each), and the 405 handlers into one per depth, tried after; a request walks one
 * short list. Which route answers a request is unchanged.
 */
export function mountRoutes(app: Express, routes: readonly AnyRoute[], pipeline: Pipeline): void {
  const routers = new Map<string, Router>();
  const routerFor = (key: string) => {
    let router = routers.get(key);
    if (!router) routers.set(key, (router = Router()));
    return router;
  };
  const methodsByPath = new Map<string, Set<string>>();
  for (const route of routes) {
    if (route.path.includes('*')) throw new Error(`${route.path}: wildcard routes would match paths of another depth`);
    routerFor(`${route.method}:${depth(route.path)}`)[route.method](route.path, (req: Request, res: Response) => run(route, req, res, pipeline));
    const methods = methodsByPath.get(route.path) ?? new Set<string>();
    methods.add(route.method.toUpperCase());
    if (route.method === 'get') methods.add('HEAD');
    methodsByPath.set(route.path, methods);
  }
  for (const [path, methods] of methodsByPath) {
    const allow = [...methods].join(', ');
    routerFor(`405:${depth(path)}`).all(path, (req: Request, res: Response) => {
      if (req.method === 'OPTIONS') {
        res.setHeader('Allow', allow).status(204).end();
        return;
      }
      sendProblem(res, req, new AppError(405, 'request.method_not_allowed', `${req.method} is not allowed here; use ${allow}.`, {
        headers: { Allow: allow },
      }));
    });
  }
  app.use((req: Request, res: Response, next: NextFunction) => {
    const n = depth(req.path);
    // A GET route answers HEAD too, as Express does.
    const routes = routers.get(`${req.method === 'HEAD' ? 'get' : req.method.toLowerCase()}:${n}`);
    const notAllowed = routers.get(`405:${n}`);
    const afterRoutes = (err?: unknown) => {
      if (err) next(err);
      else if (notAllowed) notAllowed(req, res, next);
      else next();
    };
    if (routes) routes(req, res, afterRoutes);
    else afterRoutes();
  });
}
