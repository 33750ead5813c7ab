import { randomUUID } from 'node:crypto';

/** A POST to a benchmark's own server: a fresh Idempotency-Key each time, 201 or it throws. */
export function poster(base: string) {
  return async (path: string, body: unknown, token?: string): Promise<Record<string, unknown>> => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status !== 201) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(json)}`);
    return json;
  };
}
