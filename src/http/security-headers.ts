import type { RequestHandler } from 'express';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * helmet's response headers, worked out once at boot and set as a list on every response.
 * helmet runs a dozen middlewares a request, each setting one header whose value it had
 * already computed from the options: with options that hold no functions (no per-request
 * nonce) every response gets the same headers, so the list is the same and the answer
 * identical. Options with a function are refused rather than frozen to one request's value.
 *
 * helmet's one removal, `X-Powered-By`, is left to `app.disable('x-powered-by')`.
 */
export function securityHeaders(options: HelmetOptions): RequestHandler {
  return presetHeaders(securityHeaderList(options));
}

/** Sets headers worked out once (securityHeaderList) on every response. */
export function presetHeaders(headers: readonly SecurityHeader[]): RequestHandler {
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}

/** Whether any value in the options is a function (helmet calls those on every request). */
function holdsFunction(value: unknown): boolean {
  if (typeof value === 'function') return true;
  return value !== null && typeof value === 'object' && Object.values(value).some(holdsFunction);
}

export type SecurityHeader = readonly [name: string, value: string];

/** The headers helmet sets for these options, worked out once (the lean path sets the same list). */
export function securityHeaderList(options: HelmetOptions): SecurityHeader[] {
  if (holdsFunction(options))
    throw new Error('security headers: helmet options with a function (a per-request value) cannot be computed once');
  const headers: [string, string][] = [];
  const response = {
    setHeader(name: string, value: string) {
      headers.push([name, value]);
    },
    removeHeader() {},
  };
  let done = false;
  helmet(options)({} as never, response as never, (err?: unknown) => {
    if (err) throw err;
    done = true;
  });
  if (!done) throw new Error('security headers: helmet did not finish synchronously');
  return headers;
}
