/** Postgres error codes we turn into domain errors (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
interface PgError {
  code?: string;
  constraint_name?: string;
  constraint?: string;
  cause?: unknown;
}

function pgError(err: unknown): PgError | null {
  // drizzle wraps driver errors; the driver's error is its cause.
  for (let e = err as PgError | undefined, depth = 0; e && depth < 3; e = e.cause as PgError | undefined, depth++) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e;
  }
  return null;
}

function violation(code: string) {
  return (err: unknown, constraint?: string): boolean => {
    const e = pgError(err);
    if (!e || e.code !== code) return false;
    return constraint === undefined || (e.constraint_name ?? e.constraint) === constraint;
  };
}

export const isUniqueViolation = violation('23505');
export const isCheckViolation = violation('23514');
export const isForeignKeyViolation = violation('23503');
export const isSerializationFailure = violation('40001');

/**
 * A refusal raised by one of our SQL functions (`fd_refuse` in drizzle/: SQLSTATE P0001, the
 * problem code as the message, its details as JSON); null for any other error.
 */
export function sqlRefusal(err: unknown): { code: string; details: Record<string, unknown> } | null {
  const e = pgError(err) as (PgError & { message?: string; detail?: string }) | null;
  if (!e || e.code !== 'P0001' || !e.message || !/^[a-z_]+\.[a-z_]+$/.test(e.message)) return null;
  let details: Record<string, unknown> = {};
  try {
    details = e.detail ? (JSON.parse(e.detail) as Record<string, unknown>) : {};
  } catch {
    // a refusal without details
  }
  return { code: e.message, details };
}
