import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { Logger } from '../logger.js';
import { AppError, unauthorized, type FieldProblem } from '../shared/errors.js';
import type { Role } from '../shared/vocabulary.js';
import type { Principal } from '../auth/principal.js';
import type { UploadSpec } from './upload.js';

/**
 * A route is declared once, as data: its schemas validate the request, document it in the
 * OpenAPI file, and type the handler. Handlers receive parsed input and return a body; they
 * never touch Express, so the pipeline around them (auth, rate limits, idempotency,
 * validation, problem answers) is the same for every endpoint.
 */

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** `public`: anyone; `optional`: a session is used when present; `user`: any signed-in account; roles: one of them. */
export type Access = 'public' | 'optional' | 'user' | { roles: readonly Role[] };

type Schema = z.ZodType;
type Out<S> = S extends Schema ? z.output<S> : undefined;

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** The caller's account, or null on public routes without a session. */
  principal: Principal | null;
  /** The caller's account; throws 401 when there is none (use on `user` and role routes). */
  readonly user: Principal;
  ip: string;
  requestId: string;
  log: Logger;
  requestHeader(name: string): string | undefined;
  setHeader(name: string, value: string): void;
}

export interface RateLimitRule {
  /** A name for the limit (`auth-ip`); part of the Redis key. */
  bucket: string;
  subject: string;
  limit: number;
  windowSeconds: number;
}

/** A handler's answer when it needs a status or headers other than the route's default. */
/**
 * A success body already serialized as JSON, sent as it is: for large bodies shared by many
 * requests (an event's seat map), whose parts were checked against their schemas when built.
 * It may come in consecutive pieces, a large shared one kept as bytes: the lean path writes them
 * one after the other, so a 1.4 MB seat map is neither copied into each answer nor encoded again.
 */
export class JsonText {
  readonly parts: readonly (string | Buffer)[];

  constructor(json: string | readonly (string | Buffer)[]) {
    this.parts = typeof json === 'string' ? [json] : json;
  }

  /** The whole JSON as one string (idempotency records, the Express path). */
  get text(): string {
    const [only] = this.parts;
    return this.parts.length === 1 && typeof only === 'string' ? only : this.parts.join('');
  }

  get byteLength(): number {
    let n = 0;
    for (const part of this.parts) n += typeof part === 'string' ? Buffer.byteLength(part) : part.length;
    return n;
  }
}

/**
 * A success body written as it is produced, with its own Content-Type: for exports too large to
 * build in memory first (an event's attendees as CSV). The status and headers go out before the
 * first chunk, so everything that can refuse the request must have run before the handler returns.
 */
export class StreamedText {
  constructor(
    readonly contentType: string,
    readonly chunks: AsyncIterable<string> | Iterable<string>,
  ) {}
}

export class Reply<T = unknown> {
  constructor(
    readonly status: number,
    readonly body: T,
    readonly headers: Record<string, string> = {},
  ) {}
}

export interface RouteSpec<
  P extends Schema | undefined = Schema | undefined,
  Q extends Schema | undefined = Schema | undefined,
  B extends Schema | undefined = Schema | undefined,
  R extends Schema | undefined = Schema | undefined,
> {
  method: Method;
  /** Express path syntax (`/v1/events/:id`). */
  path: string;
  summary: string;
  tag: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /**
   * The body is a file's bytes (an image), read only after the caller is authenticated and
   * handed to `body` (declare it `z.instanceof(Buffer)`) instead of parsed JSON.
   */
  upload?: UploadSpec;
  /** Success status and body schema; responses are parsed through it, so no field leaks by accident. */
  response: { status: number; schema?: R; description?: string };
  /** Problem codes this route may answer with, for the reference. */
  errors?: readonly string[];
  /**
   * `required`: a mutating call without an Idempotency-Key header is refused. Default: honoured
   * when sent (the first answer stored in Postgres and replayed). `natural`: the operation is
   * idempotent by itself (a retry gets the same outcome from the service), so a key is checked
   * for form but not stored: for the hottest writes, where two Postgres writes per call would
   * be the bottleneck; `natural-required` is the same with the key required (the operation is
   * keyed by it: a hold, an order). `off`: the route deduplicates in its own way.
   */
  idempotency?: 'optional' | 'required' | 'natural' | 'natural-required' | 'off';
  rateLimits?: (ctx: { ip: string; principal: Principal | null; body: Out<B> }) => RateLimitRule[];
  /**
   * Answered on the lean path (lean.ts) when the request is of the common shape: the same
   * pipeline, without Express around it. For the waiting room's hot routes, which a drop's
   * crowd calls tens of thousands of times a minute. Only for GET and for POSTs whose answer
   * is not stored under the Idempotency-Key (`natural`, `natural-required`, `off`).
   */
  lean?: boolean;
  handler(ctx: RouteContext<Out<P>, Out<Q>, Out<B>>): Promise<(R extends Schema ? z.input<R> : void) | Reply>;
}

export type AnyRoute = RouteSpec<Schema | undefined, Schema | undefined, Schema | undefined, Schema | undefined>;

export function defineRoute<
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  B extends Schema | undefined = undefined,
  R extends Schema | undefined = undefined,
>(spec: RouteSpec<P, Q, B, R>): AnyRoute {
  return spec as unknown as AnyRoute;
}

/** Turns zod issues into the problem document's `errors[]`, one entry per bad field. */
export function fieldProblems(where: FieldProblem['in'], error: z.ZodError): FieldProblem[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path.map(String);
    // An unknown key is named as the field itself, so a client sees `role`, not the object around it.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        in: where,
        field: [...path, key].join('.'),
        code: 'unknown_field',
        message: 'is not a known field',
      }));
    }
    return [{ in: where, field: path.join('.'), code: issue.code, message: issue.message, ...ruleOf(issue) }];
  });
}

/** The bound or format an issue names, for clients that word it themselves (FieldProblem). */
function ruleOf(issue: z.core.$ZodIssue): Partial<FieldProblem> {
  const num = (n: number | bigint) => (typeof n === 'bigint' ? Number(n) : n);
  switch (issue.code) {
    case 'too_small':
      return {
        origin: issue.origin,
        minimum: num(issue.minimum),
        ...(issue.inclusive === false ? { inclusive: false } : {}),
      };
    case 'too_big':
      return {
        origin: issue.origin,
        maximum: num(issue.maximum),
        ...(issue.inclusive === false ? { inclusive: false } : {}),
      };
    case 'invalid_format':
      return { format: issue.format };
    case 'invalid_type':
      // Parsed with reportInput, so a value that was sent is in `input`; one never sent is not.
      return { expected: issue.expected, ...(issue.input === undefined ? { missing: true } : {}) };
    default:
      return {};
  }
}

export function parsePart<S extends Schema>(where: FieldProblem['in'], schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value, { reportInput: true });
  if (!parsed.success) {
    const errors = fieldProblems(where, parsed.error);
    const named = errors.map((e) => (e.field ? `${where}.${e.field}` : where)).join(', ');
    throw new AppError(400, 'request.invalid', `Invalid ${named}.`, { errors });
  }
  return parsed.data;
}

/**
 * What every handler's view of its request holds, on either path (Express, or the lean path of
 * src/http/lean.ts): the parsed parts and the caller. One object per request, its methods on
 * the prototype; each path says where the id, log and headers come from.
 */
export abstract class ContextBase<P, Q, B> implements RouteContext<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  readonly principal: Principal | null;
  readonly ip: string;

  constructor(parts: { params: P; query: Q; body: B; principal: Principal | null; ip: string }) {
    this.params = parts.params;
    this.query = parts.query;
    this.body = parts.body;
    this.principal = parts.principal;
    this.ip = parts.ip;
  }

  get user(): Principal {
    if (!this.principal) throw unauthorized('auth.required', 'Sign in to do this.');
    return this.principal;
  }

  abstract get requestId(): string;
  abstract get log(): Logger;
  abstract requestHeader(name: string): string | undefined;
  abstract setHeader(name: string, value: string): void;
}

/** The Express path's request context. */
export class RequestContext<P, Q, B> extends ContextBase<P, Q, B> {
  constructor(
    private readonly req: Request,
    private readonly res: Response,
    parts: { params: P; query: Q; body: B; principal: Principal | null; ip: string },
  ) {
    super(parts);
  }

  get requestId(): string {
    return String(this.req.id);
  }

  /** Made on first use, as `req.log` is. */
  get log(): Logger {
    return this.req.log;
  }

  requestHeader(name: string): string | undefined {
    return this.req.get(name);
  }

  setHeader(name: string, value: string): void {
    this.res.setHeader(name, value);
  }
}
