import { createHash, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import express, { type Express, type RequestHandler } from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { registerBusinessMetrics } from '../shared/business-metrics.js';
import { AppError } from '../shared/errors.js';
import type { QueueFigures } from '../waitingroom/queue-figures.js';
import { errorHandler, sendProblem } from './problem.js';
import { requestLogging } from './request-log.js';

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

/** Where the figures read at scrape time come from; an API node has them, a worker does not. */
export interface MetricsSources {
  /** Every open waiting room's figures (src/waitingroom/queue-figures.ts). */
  queues?: () => Promise<QueueFigures[]>;
}

/**
 * One registry per app (not prom-client's global), so several apps in one test process do not
 * collide: the process's default metrics, request latency, the business counters
 * (src/shared/business-metrics.ts) and, given their source, the waiting rooms' figures.
 */
export function createMetrics(sources: MetricsSources = {}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  registerBusinessMetrics(registry);
  if (sources.queues) queueGauges(registry, sources.queues);
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
 * Queue depth, admissions and purchase tokens per open waiting room, read once per scrape (the
 * three gauges share one read). A room that closed drops out of the next scrape; Redis not
 * answering leaves them empty rather than failing the scrape.
 */
function queueGauges(registry: Registry, source: () => Promise<QueueFigures[]>): void {
  // A scrape starts every collect at once: they share the read in flight, the next scrape reads again.
  let reading: Promise<QueueFigures[]> | null = null;
  const figures = () =>
    (reading ??= source()
      .catch(() => [])
      .finally(() => (reading = null)));
  new Gauge({
    name: 'fairdrop_queue_waiting',
    help: 'Fans in a waiting room not yet admitted (queue depth), by event',
    labelNames: ['event_id'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const f of await figures()) this.set({ event_id: f.eventId }, f.waiting);
    },
  });
  new Gauge({
    name: 'fairdrop_queue_admitted',
    help: 'Fans admitted from a waiting room so far, by event',
    labelNames: ['event_id'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const f of await figures()) this.set({ event_id: f.eventId }, f.admitted);
    },
  });
  new Gauge({
    name: 'fairdrop_queue_purchase_tokens',
    help: 'Purchase tokens of a waiting room by state: outstanding (unused, valid), used (spent on a hold), expired (unused)',
    labelNames: ['event_id', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const f of await figures())
        for (const [state, n] of Object.entries(f.tokens)) this.set({ event_id: f.eventId, state }, n);
    },
  });
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
      observeRequest(metrics, req.method, route, res.statusCode, started);
    });
    next();
  };
}

/** As measureRequests, for a request answered outside Express (the lean path): its route is known up front. */
export function measureRequest(metrics: Metrics, res: ServerResponse, method: string, route: string): void {
  const started = performance.now();
  res.once('finish', () => observeRequest(metrics, method, route, res.statusCode, started));
}

/** Counts one answered request, `started` being performance.now() when it was taken (the lean path calls it as it writes). */
export function observeRequest(metrics: Metrics, method: string, route: string, status: number, started: number): void {
  metrics.httpDuration.observe({ method, route, status: String(status) }, (performance.now() - started) / 1000);
}

type MetricsConfig = Pick<Config, 'NODE_ENV' | 'METRICS_TOKEN' | 'METRICS_PORT'>;

/**
 * Whether the public port answers /metrics. Metrics name every route with its latency and
 * error rate, the process's memory and event-loop lag: an attacker's map of what to load. So
 * in production it takes METRICS_TOKEN there, or it is served only on METRICS_PORT; development
 * and tests keep it open on the public port while neither is set.
 */
export function metricsOnPublicPort(config: MetricsConfig): boolean {
  if (config.METRICS_TOKEN) return true;
  return config.NODE_ENV !== 'production' && config.METRICS_PORT === undefined;
}

/** What the boot log says when the public port does not serve /metrics and no metrics listener does either. */
export function metricsDisabledHint(config: MetricsConfig): string | null {
  if (metricsOnPublicPort(config) || config.METRICS_PORT !== undefined) return null;
  return (
    'metrics are not served: set METRICS_TOKEN (then scrape /metrics with "Authorization: Bearer <token>") ' +
    'or METRICS_PORT (a listener for /metrics alone on METRICS_HOST, 127.0.0.1 by default)'
  );
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** GET /metrics: the registry in Prometheus' text format, behind the bearer token when one is set. */
export function serveMetrics(metrics: Metrics, token: string | undefined): RequestHandler {
  // Compared as digests, in constant time: the answer's timing says nothing about the token.
  const expected = token ? digest(`Bearer ${token}`) : null;
  return async (req, res) => {
    if (expected && !timingSafeEqual(digest(req.get('authorization') ?? ''), expected)) {
      sendProblem(res, req, new AppError(401, 'auth.required', 'Metrics need the operator token.'));
      return;
    }
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  };
}

/**
 * Serves /metrics alone on METRICS_HOST:METRICS_PORT: an API node's second listener
 * (src/server.ts), and a worker's only one, so the counters of what its jobs do (holds expired,
 * admissions, refunds) can be scraped too.
 */
export async function startMetricsServer(
  metrics: Metrics,
  config: Pick<Config, 'METRICS_HOST' | 'METRICS_TOKEN'> & { METRICS_PORT: number },
  logger: Logger,
): Promise<Server> {
  const server = createServer(metricsApp(metrics, config.METRICS_TOKEN, logger));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.METRICS_PORT, config.METRICS_HOST, () => resolve());
  });
  logger.info({ host: config.METRICS_HOST, port: (server.address() as AddressInfo).port }, 'metrics listener started');
  return server;
}

/** The METRICS_PORT listener's app: /metrics and nothing else. */
export function metricsApp(metrics: Metrics, token: string | undefined, logger: Logger): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(requestLogging(app, logger));
  app.get('/metrics', serveMetrics(metrics, token));
  app.use((req, res) => {
    sendProblem(res, req, new AppError(404, 'request.not_found', `No route for ${req.method} ${req.path}.`));
  });
  app.use(errorHandler());
  return app;
}
