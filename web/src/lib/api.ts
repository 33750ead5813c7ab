/** The pages' API client: bearer session, an Idempotency-Key on every mutation, problems as errors. */

const TOKEN = 'fairdrop.session';

export interface Problem {
  status: number;
  code: string;
  detail: string;
  errors?: { in: string; field: string; code: string; message: string }[];
  [extension: string]: unknown;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
  }
  /** "detail (field: message; …)", for a status line. */
  describe(): string {
    const fields = (this.problem.errors ?? []).map((e) => `${e.field || e.in}: ${e.message}`).join('; ');
    return fields ? `${this.problem.detail} (${fields})` : this.problem.detail;
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
  const data: unknown = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new ApiError(data as Problem);
  return data as T;
}
