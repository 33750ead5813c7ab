import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, Request, Response } from 'express';
import { AppError } from '../shared/errors.js';
import type { ErrorPages } from './error-pages.js';

/** RFC 9457 problem documents: the only shape an error ever leaves the API in. */

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  instance: string;
  requestId: string;
  errors?: AppError['extra']['errors'];
  [extension: string]: unknown;
}

/** What a problem document quotes of its request. */
export interface ProblemSource {
  originalUrl: string;
  id: string;
}

export function problemDocument(err: AppError, req: ProblemSource): ProblemDocument {
  return {
    ...err.extra.data,
    // A relative reference (RFC 9457 §3.1.1) to the problem's entry in the API reference.
    type: `/docs/problems#${err.code}`,
    title: STATUS_CODES[err.status] ?? 'Error',
    status: err.status,
    code: err.code,
    detail: err.message,
    instance: req.originalUrl,
    requestId: String(req.id),
    ...(err.extra.errors?.length ? { errors: err.extra.errors } : {}),
  };
}

export function sendProblem(res: Response, req: Request, err: AppError): void {
  for (const [name, value] of Object.entries(err.extra.headers ?? {})) res.setHeader(name, value);
  res
    .status(err.status)
    .type('application/problem+json')
    .send(JSON.stringify(problemDocument(err, req)));
}

/** Maps the errors thrown by Express' own body parser onto our codes. */
function fromBodyParser(err: { type?: string; status?: number; message?: string }): AppError | null {
  switch (err.type) {
    case 'entity.parse.failed':
      return new AppError(400, 'request.malformed_json', `The request body is not valid JSON: ${err.message}.`, {
        errors: [{ in: 'body', field: '', code: 'malformed_json', message: 'not valid JSON' }],
      });
    case 'entity.too.large':
      return new AppError(413, 'request.too_large', 'The request body is larger than this API accepts.', {
        errors: [{ in: 'body', field: '', code: 'too_large', message: 'body too large' }],
      });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError(415, 'request.unsupported_encoding', 'Send the body as UTF-8 JSON.');
    default:
      return null;
  }
}

/** The one error middleware; with `pages`, a browser asking for a page gets the error page instead of a problem. */
export function errorHandler(pages?: ErrorPages): ErrorRequestHandler {
  return async (err: unknown, req, res, _next) => {
    const known = err instanceof AppError ? err : fromBodyParser(err as { type?: string });
    if (res.headersSent) {
      req.log.error({ err }, 'error after the response started');
      res.destroy();
      return;
    }
    if (known) {
      if (known.status >= 500) req.log.error({ err }, known.message);
      if (known.status >= 500 && (await pages?.send(req, res, known.status))) return;
      sendProblem(res, req, known);
      return;
    }
    req.log.error({ err }, 'unhandled error');
    if (await pages?.send(req, res, 500)) return;
    sendProblem(
      res,
      req,
      new AppError(
        500,
        'internal',
        `Something went wrong on our side. Quote request id ${String(req.id)} if you contact us.`,
      ),
    );
  };
}
