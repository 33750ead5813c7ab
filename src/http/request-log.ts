import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express, RequestHandler } from 'express';
import type { Logger } from '../logger.js';

declare module 'http' {
  interface IncomingMessage {
    /** This request's id: the caller's `X-Request-Id` when it is a sane one, else a fresh UUID. */
    id: string;
    /** A logger bound to the request id (made on first use). */
    log: Logger;
  }
}

const REQUEST_ID = /^[\w.:-]{1,100}$/;
/** Query values that are secrets (a gift-card code on the balance lookup); they never reach a log line. */
const SECRET_PARAMS = /([?&](?:code|token)=)[^&]*/gi;
const redactQuery = (url: string) => url.replace(SECRET_PARAMS, '$1[redacted]');
/** Probes and scrapes every few seconds: their lines would drown the rest. */
const QUIET = new Set(['/healthz', '/metrics']);

const CHILD = Symbol('request logger');

/**
 * Gives every request its id (echoed in `X-Request-Id`, quoted in every problem answer) and
 * writes one line when it ends: method, path (secrets in the query string redacted), status,
 * milliseconds. Never headers: they carry the session.
 *
 * Our own rather than pino-http, which builds two child loggers per request whether or not
 * anything logs: ~0.1 ms of CPU on every join of a drop (bench:queue). Here the child logger
 * exists only once a handler logs, and the closing line is skipped when its level is off.
 * `req.log` is a getter on the app's request prototype (Express' place for request
 * extensions), not one defined on each request: an accessor added per object gives every
 * request a shape of its own.
 */
export function requestLogging(app: Express, logger: Logger): RequestHandler {
  Object.defineProperty(app.request, 'log', {
    configurable: true,
    get(this: IncomingMessage & { [CHILD]?: Logger }): Logger {
      return (this[CHILD] ??= logger.child({ reqId: this.id }));
    },
  });
  return (req, res, next) => {
    const id = requestIdOf(req.headers['x-request-id']);
    req.id = id;
    res.setHeader('X-Request-Id', id);
    logWhenDone(logger, req, res, id);
    next();
  };
}

/** The request's id: the caller's `X-Request-Id` when it is a sane one, else a fresh UUID. */
export function requestIdOf(incoming: string | string[] | undefined): string {
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * The logger the request lines are written with: the app's, without its redaction. A request
 * line holds no field the redaction names (no headers, no password or token; the query's
 * secrets are redacted above), yet pino would run the redaction's stringifier on every field
 * of every line, a good part of the line's cost. Made once per app logger (pino's child with
 * `redact` replaced), on the first line, so it starts at the level the app logger has then.
 */
const lineLoggers = new WeakMap<Logger, Logger>();
function lineLogger(logger: Logger): Logger {
  let lines = lineLoggers.get(logger);
  if (lines === undefined) lineLoggers.set(logger, (lines = logger.child({}, { redact: [] })));
  return lines;
}

/** Writes the request's one line when it ends (nothing for probes and scrapes, or below `info`). */
export function logWhenDone(logger: Logger, req: IncomingMessage, res: ServerResponse, id: string): void {
  if (QUIET.has(req.url!) || !logger.isLevelEnabled('info')) return;
  const started = performance.now();
  const { method, url } = req;
  const lines = lineLogger(logger);
  res.once('close', () => {
    const status = res.headersSent ? res.statusCode : 0;
    const line = {
      reqId: id,
      req: { method, url: redactQuery(url!) },
      res: { statusCode: status },
      responseTime: Math.round(performance.now() - started),
    };
    if (!res.writableFinished) lines.warn(line, 'request aborted');
    else if (status >= 500) lines.error(line, 'request failed');
    else lines.info(line, 'request completed');
  });
}
