import { performance } from 'node:perf_hooks';
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

declare module 'http' {
  interface IncomingMessage {
    /** The pattern of the API route that answered (`/v1/events/:id/queue`), set by mountRoutes. */
    routePattern?: string;
  }
}

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
}

/** One registry per process (not prom-client's global), so several apps in one test process do not collide. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route pattern and status',
    labelNames: ['method', 'route', 'status'],
    // From 2 ms (a cached read) to 10 s (a slow card authorisation).
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return { registry, httpDuration };
}

/**
 * Times every request into the histogram. One closure and one observation per request, where
 * prom-client's `startTimer` adds two closures and a merged labels object.
 */
export function measureRequests(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    res.once('finish', () => {
      // The route pattern, not the URL, so ids do not explode the label space.
      const route = req.routePattern ?? (req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched');
      metrics.httpDuration.observe(
        { method: req.method, route, status: String(res.statusCode) },
        (performance.now() - started) / 1000,
      );
    });
    next();
  };
}
