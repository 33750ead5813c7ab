import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type App } from './app.js';
import { servedConfig } from './config.js';
import type { Infra } from './infra/types.js';
import { metricsDisabledHint, startMetricsServer } from './http/metrics.js';
import { attachGateway, type Gateway } from './realtime/gateway.js';
import { attachQueueNamespace } from './waitingroom/socket.js';

export interface RunningServer {
  app: App;
  http: Server;
  gateway: Gateway;
  port: number;
  url: string;
  /** The METRICS_PORT listener's port, when one runs. */
  metricsPort?: number;
  /** Stops accepting, lets in-flight requests finish (up to SHUTDOWN_TIMEOUT_MS), then closes. */
  close(): Promise<void>;
}

export async function startServer(infra: Infra): Promise<RunningServer> {
  /** The app, once the node is ready to answer; until then a request is told to come back in a second. */
  const serving: { app?: App } = {};
  const http = createServer((req, res) => {
    const ready = serving.app;
    // X-Fairdrop-Node (which node answered, behind a load balancer) is among the headers the app
    // writes on every answer (createApp): set here, before the lean path, it would send every
    // answer through Node's slower header merge.
    if (!ready)
      return void res
        .writeHead(503, { 'Retry-After': '1', 'Content-Length': '0', 'X-Fairdrop-Node': infra.config.NODE_ID })
        .end();
    if (!ready.lean(req, res)) ready.express(req, res);
  });
  // Slow-loris guard: headers must arrive within 10 s, a whole request within the API timeout plus a margin.
  http.headersTimeout = 10_000;
  http.requestTimeout = infra.config.REQUEST_TIMEOUT_MS + 5_000;
  // Longer than a typical load balancer's idle timeout (60 s), so the balancer closes first.
  http.keepAliveTimeout = 65_000;

  // Listening first: the app is built knowing the port it serves (the one PORT=0 picked too), so
  // without PUBLIC_URL its links (mails, transfers, the API reference) name this very origin.
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(infra.config.PORT, infra.config.HOST, () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  const host = infra.config.HOST === '0.0.0.0' || infra.config.HOST === '::' ? 'localhost' : infra.config.HOST;

  let app: App;
  let stopSessions: () => Promise<void>;
  try {
    app = createApp({ ...infra, config: servedConfig(infra.config, port) });
    // Sessions kept in this node's memory from here on, dropped when any node publishes their end.
    stopSessions = await app.sessions.listen(infra.logger);
  } catch (err) {
    http.close();
    throw err;
  }
  const gateway = attachGateway(http, {
    config: infra.config,
    logger: infra.logger,
    authenticate: (token) => app.services.auth.authenticateSession(token),
  });
  attachQueueNamespace(gateway, app.services.waitingRoom, infra.logger);
  serving.app = app;
  const metrics = await startMetricsListener(app, infra).catch(async (err: unknown) => {
    await gateway.close();
    await stopSessions();
    http.close();
    throw err;
  });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      const force = setTimeout(() => http.closeAllConnections(), infra.config.SHUTDOWN_TIMEOUT_MS);
      // A scrape is short and holds nothing: the metrics listener just stops.
      metrics?.close();
      metrics?.closeAllConnections();
      http.close(() => {
        clearTimeout(force);
        // The last requests' receipt signatures, then the sockets.
        void app.receipts
          .flush()
          .then(() => gateway.close())
          .then(stopSessions)
          .then(resolve, resolve);
      });
      // Open sockets and idle keep-alive connections would hold close() open; sockets reconnect to another node.
      // Every namespace (`/queue` too): an upgraded connection is beyond closeAllConnections(), so one left open holds close() for ever.
      for (const nsp of gateway.io._nsps.values()) nsp.local.disconnectSockets(true);
      http.closeIdleConnections();
    }));

  return {
    app,
    http,
    gateway,
    port,
    url: `http://${host}:${port}`,
    ...(metrics ? { metricsPort: (metrics.address() as AddressInfo).port } : {}),
    close,
  };
}

/** The METRICS_PORT listener, when configured; otherwise says in the boot log how to get metrics if none are served. */
async function startMetricsListener(app: App, infra: Infra): Promise<Server | null> {
  const { config, logger } = infra;
  if (config.METRICS_PORT === undefined) {
    const hint = metricsDisabledHint(config);
    if (hint) logger.warn(hint);
    return null;
  }
  return startMetricsServer(app.metrics, { ...config, METRICS_PORT: config.METRICS_PORT }, logger);
}
