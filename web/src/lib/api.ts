import { describeProblem, type FieldFacts } from './words.js';

/** The pages' API client: bearer session, an Idempotency-Key on every mutation, problems as errors. */

const TOKEN = 'fairdrop.session';

export interface Problem {
  status: number;
  code: string;
  /** For developers (it names fields and rules); pages show describe() instead. */
  detail: string;
  errors?: FieldFacts[];
  [extension: string]: unknown;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
  }
  /** The refusal in people's words (lib/words.ts), for a status line: never a code or a rule. */
  describe(): string {
    return describeProblem(this.problem);
  }
}

/**
 * A refusal as a problem: the API's own document, or, when something in front of it answered
 * (a proxy's 502 page, an empty 503), one made from the status so the words still fit.
 */
function problemOf(status: number, data: unknown): Problem {
  if (data && typeof data === 'object' && typeof (data as Problem).code === 'string')
    return { ...(data as Problem), status };
  return { status, code: '', detail: `HTTP ${status}` };
}

/** The problem of a failed answer read with fetch() itself (a page revalidating with an ETag). */
export async function problemFrom(res: Response): Promise<Problem> {
  const text = await res.text().catch(() => '');
  try {
    return problemOf(res.status, text ? JSON.parse(text) : undefined);
  } catch {
    return problemOf(res.status, undefined);
  }
}

export const session = {
  token: (): string | null => localStorage.getItem(TOKEN),
  set: (token: string) => localStorage.setItem(TOKEN, token),
  clear: () => localStorage.removeItem(TOKEN),
};

export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  options: { idempotencyKey?: string } = {},
): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['idempotency-key'] = options.idempotencyKey ?? crypto.randomUUID();
  const token = session.token();
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 204) return undefined as T;
  // A 202 may come without a body (POST /v1/auth/resend-verification: "queued").
  const text = await res.text();
  if (!res.ok) {
    let data: unknown;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = undefined;
    }
    throw new ApiError(problemOf(res.status, data));
  }
  return (text ? JSON.parse(text) : undefined) as T;
}
