import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route.js';
import type { PushService } from './push.service.js';

const tag = 'Notifications';
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Whether a host is one of PUSH_SERVICE_HOSTS (`*.example.com` matches its subdomains). */
export function knownPushHost(host: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.startsWith('*.') ? host.endsWith(p.slice(1)) : host === p));
}

/**
 * A push service's endpoint: https, as every browser's is, and in production on one of the
 * browsers' push services (PUSH_SERVICE_HOSTS), so nobody can point the server's requests at
 * an internal address. Outside production a loopback http endpoint is allowed too, for a push
 * receiver on the same machine (the tests' own).
 */
const endpoint = (production: boolean, hosts: readonly string[]) =>
  z
    .url()
    .max(2048)
    .refine((value) => {
      const url = new URL(value);
      if (!production) return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
      return url.protocol === 'https:' && knownPushHost(url.hostname, hosts);
    }, 'must be an https URL of a browser push service');

const subscription = z.object({
  id: z.uuid(),
  label: z.string().nullable(),
  service: z.string(),
  createdAt: z.iso.datetime(),
  lastSuccessAt: z.iso.datetime().nullable(),
  lastFailureAt: z.iso.datetime().nullable(),
});
const preferences = z.object({ push: z.boolean(), email: z.boolean() }).strict();

export function pushRoutes(
  service: PushService,
  config: { NODE_ENV: string; PUSH_SERVICE_HOSTS: string[] },
): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/push/key',
      summary: "The server's VAPID public key, to subscribe a browser to Web Push with",
      tag,
      access: 'public',
      response: { status: 200, schema: z.object({ publicKey: z.string() }) },
      errors: ['push.unavailable'],
      handler: async () => ({ publicKey: service.publicKey() }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/me/push-subscriptions',
      summary: "Send my 'your turn' notifications to this browser (its PushSubscription as JSON)",
      tag,
      access: 'user',
      idempotency: 'required',
      body: z
        .object({
          endpoint: endpoint(config.NODE_ENV === 'production', config.PUSH_SERVICE_HOSTS),
          keys: z.object({
            // An uncompressed P-256 point (65 bytes) and a 16-byte secret, base64url as browsers give them.
            p256dh: z.string().regex(/^[A-Za-z0-9_-]{86,88}={0,2}$/, 'must be the base64url P-256 key'),
            auth: z.string().regex(/^[A-Za-z0-9_-]{22,24}={0,2}$/, 'must be the base64url 16-byte secret'),
          }),
          expirationTime: z.number().nullable().optional(),
          label: z.string().trim().min(1).max(100).optional(),
        })
        .strict(),
      response: { status: 201, schema: subscription },
      errors: ['push.unavailable'],
      handler: (ctx) => service.subscribe(ctx.user.userId, ctx.body),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/me/push-subscriptions',
      summary: 'The browsers my notifications are pushed to',
      tag,
      access: 'user',
      response: { status: 200, schema: z.object({ subscriptions: z.array(subscription) }) },
      handler: async (ctx) => ({ subscriptions: await service.list(ctx.user.userId) }),
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/me/push-subscriptions/:id',
      summary: 'Stop pushing to one of my browsers',
      tag,
      access: 'user',
      params: z.object({ id: z.uuid() }),
      response: { status: 204 },
      errors: ['push.subscription_not_found'],
      handler: (ctx) => service.remove(ctx.user.userId, ctx.params.id),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/me/notification-preferences',
      summary: 'Which channels tell me it is my turn (admission and its reminder)',
      tag,
      access: 'user',
      response: { status: 200, schema: preferences },
      handler: (ctx) => service.preferences(ctx.user.userId),
    }),
    defineRoute({
      method: 'put',
      path: '/v1/me/notification-preferences',
      summary: 'Choose the channels that tell me it is my turn',
      tag,
      access: 'user',
      body: preferences,
      response: { status: 200, schema: preferences },
      handler: (ctx) => service.setPreferences(ctx.user.userId, ctx.body),
    }),
  ];
}
