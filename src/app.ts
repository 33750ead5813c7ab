import { fileURLToPath } from 'node:url';
import cors from 'cors';
import express, { type Express } from 'express';
import { createKeys, type Keys } from '../queue/keys.js';
import { authRoutes } from './auth/auth.routes.js';
import { giftCardRoutes } from './giftcards/giftcards.routes.js';
import { createCommerce, type Commerce } from './orders/commerce.js';
import { orderRoutes } from './orders/orders.routes.js';
import { STRIPE_WEBHOOK_PATH, webhookRoutes } from './payments/webhooks.routes.js';
import { catalogRoutes } from './catalog/catalog.routes.js';
import { CatalogService } from './catalog/catalog.service.js';
import { holdRoutes } from './sales/holds.routes.js';
import { HoldService } from './sales/holds.service.js';
import { onsaleRoutes } from './sales/onsale.routes.js';
import { OnsaleService } from './sales/onsale.service.js';
import { AuthService } from './auth/auth.service.js';
import { SessionCache } from './auth/session-cache.js';
import { LoginAttempts } from './auth/login-attempts.js';
import { discoveryRoutes } from './discovery/discovery.routes.js';
import { DiscoveryService } from './discovery/discovery.service.js';
import { docsRouter } from './http/docs.js';
import { webAssets } from './http/web-assets.js';
import { webPages } from './http/web-pages.js';
import { healthRoutes } from './http/health.routes.js';
import { IdempotencyStore } from './http/idempotency.js';
import { createMetrics, measureRequests, metricsOnPublicPort, serveMetrics, type Metrics } from './http/metrics.js';
import { requestLogging } from './http/request-log.js';
import { presetHeaders, securityHeaderList, type SecurityHeader } from './http/security-headers.js';
import { leanPath, type LeanHandler } from './http/lean.js';
import { byteSize } from './http/byte-size.js';
import { mountRoutes, type Pipeline } from './http/mount.js';
import { buildOpenApi } from './http/openapi.js';
import { errorPages } from './http/error-pages.js';
import { errorHandler, sendProblem } from './http/problem.js';
import { RateLimiter } from './http/rate-limit.js';
import type { AnyRoute } from './http/route.js';
import type { ServedConfig } from './config.js';
import type { Infra } from './infra/types.js';
import { AppError } from './shared/errors.js';
import { ReceiptSigner } from './timeline/receipt-signer.js';
import { timelineRoutes } from './timeline/timeline.routes.js';
import { notificationRoutes } from './notifications/notifications.routes.js';
import { waitlistRoutes } from './waitlist/waitlist.routes.js';
import { reportsRoutes } from './reports/reports.routes.js';
import { ReportsService } from './reports/reports.service.js';
import { MediaService, mediaRoutes } from './media/index.js';
import { createResale } from './resale/resale.jobs.js';
import { resaleRoutes } from './resale/resale.routes.js';
import { WaitlistService } from './waitlist/waitlist.service.js';
import { NotificationService } from './notifications/notifications.service.js';
import { pushRoutes } from './notifications/push.routes.js';
import { PushService } from './notifications/push.service.js';
import { cancellationQueue } from './cancellations/cancellations.jobs.js';
import { cancellationRoutes } from './cancellations/cancellations.routes.js';
import { CancellationService } from './cancellations/cancellations.service.js';
import { checkinRoutes } from './checkin/checkin.routes.js';
import { CheckinService } from './checkin/checkin.service.js';
import { ticketRoutes } from './tickets/tickets.routes.js';
import { TicketService } from './tickets/tickets.service.js';
import { TransferService } from './tickets/transfers.service.js';
import { loadWalletCredentials } from './wallet/credentials.js';
import { walletRoutes } from './wallet/wallet.routes.js';
import { WalletService } from './wallet/wallet.service.js';
import type { QueueServerToClient } from './realtime/events.js';
import { createWaitingRoom } from './waitingroom/room.js';
import { queueFigures } from './waitingroom/queue-figures.js';
import { waitingRoomRoutes } from './waitingroom/waitingroom.routes.js';
import { WaitingRoomService } from './waitingroom/waitingroom.service.js';
import { presaleRooms } from './presales/presale-rooms.js';
import { presaleRoutes } from './presales/presales.routes.js';
import { PresaleService } from './presales/presales.service.js';

export interface Services {
  auth: AuthService;
  /** Payments, gift cards, orders and the reconciler. */
  commerce: Commerce;
  catalog: CatalogService;
  onsale: OnsaleService;
  holds: HoldService;
  notifications: NotificationService;
  tickets: TicketService;
  transfers: TransferService;
  checkin: CheckinService;
  /** Apple and Google Wallet passes of tickets, and Apple's PassKit web service. */
  wallet: WalletService;
  cancellations: CancellationService;
  /** Join, position, lottery proof and organizer controls of queue-mode on-sales. */
  waitingRoom: WaitingRoomService;
}

export interface App {
  express: Express;
  /** Answers a request for a lean route (src/http/lean.ts) and returns true; false: `express` answers it. */
  lean: LeanHandler;
  services: Services;
  /** Signs the purchase path's receipts after their commit; flushed when the server closes. */
  receipts: ReceiptSigner;
  /** The session cache; a server subscribes it to session changes to keep sessions in memory (`listen`). */
  sessions: SessionCache;
  keys: Keys;
  metrics: Metrics;
  routes: AnyRoute[];
}

const webRoot = fileURLToPath(new URL('../web', import.meta.url));

/**
 * The composition root: services from infrastructure, routes from services, Express around routes.
 * Built once the server listens, so `config.PUBLIC_URL` is the address it serves (src/server.ts).
 */
export function createApp(infra: Infra & { config: ServedConfig }): App {
  const { config, logger, database, redis } = infra;
  const keys = createKeys(config.REDIS_PREFIX);
  const room = createWaitingRoom(redis, keys, infra.signer, config);
  const waitingRoom = new WaitingRoomService({
    db: database.db,
    redis,
    keys,
    room,
    signer: infra.signer,
    sockets: infra.broadcaster.namespace<QueueServerToClient>('/queue'),
    logger,
    // A queue-mode presale window is a room of its own, addressed by the window's id.
    presales: presaleRooms(database.db),
  });
  const presales = new PresaleService({
    db: database.db,
    signer: infra.signer,
    logger,
    // A window changed: the room drops its copy and opens at once if its pre-queue time has come.
    changed: (windowId) =>
      waitingRoom.onsaleChanged(windowId).catch((err: unknown) => {
        if (!(err instanceof AppError && err.status === 404)) throw err;
      }),
  });
  const receipts = new ReceiptSigner({ db: database.db, signer: infra.signer, logger });
  const sessions = new SessionCache(redis, keys);
  const services: Services = {
    auth: new AuthService({
      db: database.db,
      sessions,
      config,
      logger,
      mailKeys: infra.signer,
      attempts: new LoginAttempts({ redis, keys, limits: config }),
      sockets: infra.broadcaster,
    }),
    commerce: createCommerce(infra, receipts),
    // The console's phase of a queue sale under way reads its waiting room.
    catalog: new CatalogService(database.db, waitingRoom),
    // A PUT whose pre-queue time has already come opens the room at once instead of at the next tick.
    onsale: new OnsaleService(database.db, { changed: (eventId) => waitingRoom.onsaleChanged(eventId) }),
    // Queue-mode on-sales hold seats only with a purchase token the waiting room issued (queue.token_* refusals).
    holds: new HoldService(database.db, infra.signer, {
      gate: room.purchaseGate(),
      receipts,
      logger,
      // Before the general sale, a queue-mode presale window's room issues the tokens.
      rooms: presales,
    }),
    notifications: new NotificationService(database.db),
    tickets: new TicketService(database.db, infra.signer),
    transfers: new TransferService({
      db: database.db,
      signer: infra.signer,
      publicUrl: config.PUBLIC_URL,
      registerVerified: (input, meta) => services.auth.register(input, meta, { verified: true }),
    }),
    checkin: new CheckinService(database.db, infra.signer, {
      bundleValidMs: config.CHECKIN_BUNDLE_VALID_MINUTES * 60_000,
      publicUrl: config.PUBLIC_URL,
    }),
    // Credentials are read (and a bad one refused) at start-up; missing ones turn that wallet off.
    wallet: new WalletService(database.db, infra.signer, loadWalletCredentials(config), config.PUBLIC_URL),
    cancellations: new CancellationService(database.db, infra.signer, cancellationQueue(redis, config)),
    waitingRoom,
  };
  const resale = createResale(infra, services.commerce.providers);
  const routes: AnyRoute[] = [
    ...healthRoutes(database.sql, redis),
    ...authRoutes(services.auth, config),
    ...timelineRoutes(database.db, infra.signer),
    ...orderRoutes(services.commerce.orders),
    ...giftCardRoutes(services.commerce.giftCards, config),
    ...webhookRoutes(services.commerce.webhooks),
    // Before the catalog's: discovery answers GET /v1/events/:id (the fan's event page).
    ...discoveryRoutes(new DiscoveryService(database.db, undefined, waitingRoom)),
    ...catalogRoutes(services.catalog),
    ...onsaleRoutes(services.onsale),
    ...waitingRoomRoutes(services.waitingRoom, config),
    ...holdRoutes(services.holds),
    ...waitlistRoutes(new WaitlistService(database.db)),
    ...presaleRoutes(presales, config),
    ...reportsRoutes(new ReportsService(database.db)),
    ...mediaRoutes(new MediaService({ db: database.db })),
    ...notificationRoutes(services.notifications),
    ...pushRoutes(new PushService(database.db, config), config),
    ...ticketRoutes(services.tickets, services.transfers, config),
    ...resaleRoutes(resale.resale, resale.purchases),
    ...checkinRoutes(services.checkin),
    ...walletRoutes(services.wallet),
    ...cancellationRoutes(services.cancellations),
  ];
  const metrics = createMetrics({ queues: () => queueFigures({ db: database.db, room }) });
  const app = express();

  app.disable('x-powered-by');
  // Off unless configured: a node clients reach directly must not take their X-Forwarded-For as their address.
  app.set('trust proxy', config.TRUST_PROXY);
  app.use(requestLogging(app, logger));
  app.use(measureRequests(metrics));
  // Stripe Elements (only when Stripe takes the cards): its script, its card/3-D Secure frames, its API.
  const stripe = config.STRIPE_SECRET_KEY && config.STRIPE_PUBLISHABLE_KEY;
  // Every answer's headers: the security headers, and which node answered (for operators
  // reading a trace behind a load balancer, and for the cluster test).
  const headers: SecurityHeader[] = [
    ['X-Fairdrop-Node', config.NODE_ID],
    ...securityHeaderList({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'", ...(stripe ? ['https://js.stripe.com'] : [])],
          ...(stripe ? { frameSrc: ['https://js.stripe.com', 'https://hooks.stripe.com'] } : {}),
          // Swagger UI and the seat map set style attributes; no inline scripts are allowed.
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          connectSrc: ["'self'", 'ws:', 'wss:', ...(stripe ? ['https://api.stripe.com'] : [])],
          fontSrc: ["'self'", 'data:'],
          mediaSrc: ["'self'", 'data:'],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          ...(config.PUBLIC_URL.startsWith('https:') ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      hsts: config.PUBLIC_URL.startsWith('https:'),
    }),
  ];
  app.use(presetHeaders(headers));
  // Without allowed origins cors() sets nothing and answers nothing (origin: false): no layer at all then.
  if (config.CORS_ORIGINS.length > 0) {
    app.use(
      cors({
        origin: config.CORS_ORIGINS,
        exposedHeaders: ['X-Request-Id', 'Retry-After', 'ETag', 'Idempotent-Replayed'],
        maxAge: 600,
      }),
    );
  }
  app.use((req, res, next) => {
    const timer = setTimeout(() => {
      if (!res.headersSent) {
        sendProblem(
          res,
          req,
          new AppError(503, 'request.timeout', `The request took longer than ${config.REQUEST_TIMEOUT_MS} ms.`, {
            headers: { 'Retry-After': '1' },
          }),
        );
      }
    }, config.REQUEST_TIMEOUT_MS);
    res.on('close', () => clearTimeout(timer));
    next();
  });
  // Stripe signs the raw bytes: its webhook must get them before the JSON parser replaces them.
  app.use(STRIPE_WEBHOOK_PATH, express.raw({ type: '*/*', limit: config.BODY_LIMIT }));
  app.use(express.json({ limit: config.BODY_LIMIT, strict: false }));

  const openapi = buildOpenApi(routes, { version: '0.1.0', serverUrl: config.PUBLIC_URL });
  app.get('/v1/openapi.json', (_req, res) => void res.json(openapi));
  if (metricsOnPublicPort(config)) app.get('/metrics', serveMetrics(metrics, config.METRICS_TOKEN));
  app.get('/docs', (_req, res) => res.sendFile('docs.html', { root: webRoot }));
  app.get('/docs/docs.js', (_req, res) => res.sendFile('docs.js', { root: webRoot }));
  app.use('/docs', docsRouter(routes));

  const pipeline: Pipeline = {
    authenticate: (token) => services.auth.authenticate(token),
    rateLimiter: new RateLimiter(redis, keys),
    idempotency: new IdempotencyStore(database.db, {
      waitMs: config.IDEMPOTENCY_WAIT_MS,
      // A claim older than two request timeouts belongs to a request that can no longer finish.
      staleAfterMs: config.REQUEST_TIMEOUT_MS * 2,
      ttlMs: config.IDEMPOTENCY_TTL_HOURS * 3_600_000,
    }),
  };
  mountRoutes(app, routes, pipeline);
  const assets = webAssets({ production: config.NODE_ENV === 'production' });
  const pages = webPages({ production: config.NODE_ENV === 'production' });
  // The routes marked `lean`, and the pages and bundles once in memory, answered before Express
  // when the request has the common shape. No page is named as a route Express answers before
  // them (/docs, /metrics): web/pages holds none of those names.
  const lean = leanPath({
    routes,
    pipeline,
    logger,
    metrics,
    headers,
    requestTimeoutMs: config.REQUEST_TIMEOUT_MS,
    bodyLimit: byteSize(config.BODY_LIMIT),
    cors: config.CORS_ORIGINS.length > 0,
    trustProxy: config.TRUST_PROXY,
    files: (path, req) =>
      path.startsWith('/assets/') ? assets.find(path.slice('/assets/'.length)) : pages.find(path, req),
  });

  app.use('/assets', assets);
  app.use(pages);
  const files = express.static(webRoot, { maxAge: config.NODE_ENV === 'production' ? '5m' : 0 });
  // web/src and web/pages hold the pages' sources: only their bundles (/assets) and the pages
  // in their layout (webPages) are served, never the sources themselves.
  app.use((req, res, next) => (/^\/(src|pages)\//.test(req.path) ? next() : files(req, res, next)));
  // A browser asking for a page gets the site's 404 and error pages; everything else a problem.
  const htmlErrors = errorPages(pages);
  app.use(async (req, res) => {
    if (await htmlErrors.send(req, res, 404)) return;
    sendProblem(res, req, new AppError(404, 'request.not_found', `No route for ${req.method} ${req.path}.`));
  });
  app.use(errorHandler(htmlErrors));

  return { express: app, lean, services, receipts, sessions, keys, metrics, routes };
}
