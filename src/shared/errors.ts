/**
 * The one error type of the domain. Services throw it; the HTTP layer turns it into an
 * RFC 9457 problem. `code` is stable and dotted (`sales.seat_unavailable`): clients and
 * tests match on it, never on `detail`.
 */
export interface FieldProblem {
  /** Where the bad value was: `body`, `query`, `params` or `header`. */
  in: 'body' | 'query' | 'params' | 'header';
  /** Dotted path inside that part (`attendees.0.email`); empty for the part as a whole. */
  field: string;
  code: string;
  message: string;
  /**
   * The rule that failed, when it is a bound or a format (zod's too_small, too_big,
   * invalid_format, invalid_type), so a client can say it in its own words ("Enter a name")
   * rather than show `message`: `origin` is what was measured (string length, number, array
   * size, date), `inclusive` is false for a strict bound, `missing` marks a value not sent.
   */
  origin?: string;
  minimum?: number;
  maximum?: number;
  inclusive?: false;
  format?: string;
  expected?: string;
  missing?: true;
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    readonly extra: {
      errors?: FieldProblem[];
      headers?: Record<string, string>;
      /** Extension members added to the problem document (e.g. `opensAt`). */
      data?: Record<string, unknown>;
    } = {},
  ) {
    super(detail);
    this.name = 'AppError';
  }
}

export const badRequest = (code: string, detail: string, errors?: FieldProblem[]) =>
  new AppError(400, code, detail, { errors });
export const unauthorized = (code: string, detail: string) =>
  new AppError(401, code, detail, { headers: { 'WWW-Authenticate': 'Bearer' } });
export const forbidden = (code: string, detail: string) => new AppError(403, code, detail);
export const notFound = (code: string, detail: string) => new AppError(404, code, detail);
export const conflict = (code: string, detail: string, data?: Record<string, unknown>) =>
  new AppError(409, code, detail, { data });
export const tooManyRequests = (code: string, detail: string, retryAfterSeconds: number) =>
  new AppError(429, code, detail, {
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    data: { retryAfter: Math.max(1, Math.ceil(retryAfterSeconds)) },
  });
