import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type App } from './app.js';
import type { Infra } from './infra/types.js';
import { metricsApp, metricsDisabledHint } from './http/metrics.js';
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
  const app = createApp(infra);
  const http = createServer((req, res) => {
    // Behind a load balancer this says which node answered: for operators reading a trace, and for the cluster test.
    res.setHeader('X-Fairdrop-Node', infra.config.NODE_ID);
    if (!app.lean(req, res)) app.express(req, res);
  });
  // Slow-loris guard: headers must arrive within 10 s, a whole request within the API timeout plus a margin.
  http.headersTimeout = 10_000;
  http.requestTimeout = infra.config.REQUEST_TIMEOUT_MS + 5_000;
  // Longer than a typical load balancer's idle timeout (60 s), so the balancer closes first.
  http.keepAliveTimeout = 65_000;

  const gateway = attachGateway(http, {
    config: infra.config,
    logger: infra.logger,
    authenticate: (token) => app.services.auth.authenticateSession(token),
  });
  attachQueueNamespace(gateway, app.services.waitingRoom, infra.logger);

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(infra.config.PORT, infra.config.HOST, () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  const host = infra.config.HOST === '0.0.0.0' || infra.config.HOST === '::' ? 'localhost' : infra.config.HOST;
  const metrics = await startMetricsListener(app, infra).catch(async (err: unknown) => {
    await gateway.close();
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
  const server = createServer(metricsApp(app.metrics, config.METRICS_TOKEN, logger));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.METRICS_PORT, config.METRICS_HOST, () => resolve());
  });
  logger.info({ host: config.METRICS_HOST, port: (server.address() as AddressInfo).port }, 'metrics listener started');
  return server;
}
