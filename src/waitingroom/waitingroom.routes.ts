import { createHash } from 'node:crypto';
import { idParams } from '../catalog/catalog.schemas.js';
import type { Config } from '../config.js';
import type { QueueSnapshot } from '../realtime/events.js';
import { defineRoute, Reply, type AnyRoute } from '../http/route.js';
import {
  challenge,
  entriesPage,
  entriesQuery,
  fanView,
  joinBody,
  joinReceipt,
  lifecycleResult,
  lottery,
  queueStats,
} from './waitingroom.schemas.js';
import type { WaitingRoomService } from './waitingroom.service.js';

const tag = 'Waiting room';
const tokenErrors = [
  'queue.not_open',
  'queue.closed',
  'queue.not_queue_mode',
  'queue.no_onsale',
  'catalog.event_not_found',
] as const;

/** A weak validator of the JSON body: a client polling faster than the queue moves gets 304s. */
const etagOf = (body: unknown) =>
  `W/"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 22)}"`;

/** The ETags of views the service keeps (frozen, answered many times: see WaitingRoomService.snapshot). */
const keptEtags = new WeakMap<QueueSnapshot, string>();
function viewEtag(view: QueueSnapshot): string {
  if (!Object.isFrozen(view)) return etagOf(view);
  let etag = keptEtags.get(view);
  if (etag === undefined) keptEtags.set(view, (etag = etagOf(view)));
  return etag;
}

export function waitingRoomRoutes(
  service: WaitingRoomService,
  config: Pick<Config, 'QUEUE_JOIN_LIMIT_PER_IP' | 'QUEUE_JOIN_LIMIT_PER_ACCOUNT'>,
): AnyRoute[] {
  const lifecycle = (action: 'pause' | 'resume' | 'close', summary: string) =>
    defineRoute({
      method: 'post',
      path: `/v1/events/:id/onsale/${action}`,
      summary,
      tag: 'On-sale',
      // Any account may knock; the service lets only the event's organizer (or an admin) through.
      access: 'user',
      params: idParams,
      response: { status: 200, schema: lifecycleResult },
      errors: [
        'catalog.event_not_found',
        'catalog.not_organizer',
        'queue.no_onsale',
        'queue.not_queue_mode',
        'queue.wrong_state',
        'queue.closed',
      ],
      handler: (ctx) => service.changeState(ctx.user, ctx.params.id, action),
    });

  return [
    defineRoute({
      method: 'post',
      path: '/v1/events/:id/queue',
      lean: true,
      summary:
        'Join the waiting room (one entry per account; joining again answers the same entry) and get a signed receipt',
      tag,
      access: 'user',
      params: idParams,
      body: joinBody,
      response: {
        status: 201,
        schema: joinReceipt,
        description: '201 for a new entry, 200 for the account’s existing one',
      },
      errors: [...tokenErrors, 'queue.email_unverified', 'queue.pow_required', 'queue.pow_invalid', 'rate_limited'],
      // One entry per account: a retry gets the same entry from the join script itself. Storing
      // the key in Postgres as well cost two writes per join and held a 20,000-fan pre-queue
      // to ~60 joins/s; here it is checked for form only.
      idempotency: 'natural',
      // Per address and per account, counted by the join script itself (one Redis call per join).
      handler: async (ctx) => {
        const limits = {
          address: ctx.ip,
          perAddress: config.QUEUE_JOIN_LIMIT_PER_IP,
          perAccount: config.QUEUE_JOIN_LIMIT_PER_ACCOUNT,
          windowMs: 60_000,
        };
        const { created, receipt } = await service.join(ctx.user, ctx.params.id, ctx.body, limits);
        return new Reply(created ? 201 : 200, receipt);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/events/:id/queue/challenge',
      summary:
        'A proof-of-work challenge for joining (stateless, bound to my account; difficulty 0 when the on-sale asks for none)',
      tag,
      access: 'user',
      params: idParams,
      response: { status: 200, schema: challenge },
      errors: ['queue.not_queue_mode', 'queue.email_unverified', 'queue.no_onsale', 'catalog.event_not_found'],
      handler: (ctx) => service.challenge(ctx.user, ctx.params.id),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/events/:id/queue/me',
      lean: true,
      summary:
        'Where I stand: phase, ticket number, cursor, position, ETA, and my purchase token once admitted (ETag; 304 when unchanged; poll again after Retry-After / pollAfter seconds)',
      tag,
      access: 'user',
      params: idParams,
      response: {
        status: 200,
        schema: fanView,
        description:
          'Where the fan stands. `Retry-After` (on 200 and 304) and `pollAfter` say how many seconds to wait before asking again: a quarter of the ETA (or of the time to the draw in the pre-queue), at least 2 and at most 60; in the last minute before the draw, a moment of the fan’s own after it (spread over up to 60 s, by the pre-queue’s size); 2 once admitted or during the draw, 15 while paused or with no measured admission rate, 60 when nothing will change (not joined, token expired, sold out, closed). The socket pushes changes as they happen; this is the fallback.',
      },
      errors: ['queue.not_open', 'queue.not_queue_mode', 'queue.no_onsale', 'catalog.event_not_found'],
      handler: async (ctx) => {
        const { view, pollAfter } = await service.fanView(ctx.user.userId, ctx.params.id);
        // Over the snapshot alone: pollAfter follows the clock before the draw, and a 304 carries the current Retry-After anyway.
        const etag = viewEtag(view);
        // Private: the answer carries a purchase token. no-cache: revalidate every time, cheaply.
        const headers = {
          ETag: etag,
          'Cache-Control': 'private, no-cache',
          Vary: 'Authorization',
          'Retry-After': String(pollAfter),
        };
        if (ctx.requestHeader('if-none-match') === etag) return new Reply(304, undefined, headers);
        return new Reply(200, { ...view, pollAfter }, headers);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/events/:id/queue/stats',
      lean: true,
      summary:
        'Public figures of the waiting room: entrants, admitted, cursor, measured rate, phase, sold and remaining',
      tag,
      access: 'public',
      params: idParams,
      response: { status: 200, schema: queueStats },
      errors: ['queue.not_open', 'queue.not_queue_mode', 'queue.no_onsale', 'catalog.event_not_found'],
      handler: async (ctx) =>
        new Reply(200, await service.stats(ctx.params.id), { 'Cache-Control': 'public, max-age=1' }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/events/:id/lottery',
      lean: true,
      summary:
        "The lottery's public record: seed commitment from the opening; seed, entries digest and order digest after the draw",
      tag,
      access: 'public',
      params: idParams,
      response: { status: 200, schema: lottery },
      errors: ['queue.not_open', 'queue.not_queue_mode', 'queue.no_onsale', 'catalog.event_not_found'],
      handler: (ctx) => service.lottery(ctx.params.id),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/events/:id/lottery/entries',
      summary: 'The pre-queue in join order (the draw’s input), paged, with join times and ticket numbers once drawn',
      tag,
      access: 'public',
      params: idParams,
      query: entriesQuery,
      response: { status: 200, schema: entriesPage },
      errors: ['queue.not_open', 'queue.not_queue_mode', 'queue.no_onsale', 'catalog.event_not_found'],
      handler: (ctx) => service.lotteryEntries(ctx.params.id, ctx.query.from, ctx.query.limit),
    }),
    lifecycle('pause', 'Pause admission (audited; fans in the room are told)'),
    lifecycle('resume', 'Resume a paused on-sale (audited; fans in the room are told)'),
    lifecycle('close', 'Close the on-sale and its waiting room for good (audited; fans in the room are told)'),
  ];
}
