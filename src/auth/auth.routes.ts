import type { Config } from '../config.js';
import { defineRoute, type AnyRoute, type RouteContext } from '../http/route.js';
import { bearerToken } from '../http/mount.js';
import type { AuthService, ClientMeta } from './auth.service.js';
import {
  endedSessions,
  endSessionsQuery,
  languageQuery,
  loginBody,
  me,
  profilePatch,
  registerBody,
  releasedEmail,
  rolesBody,
  session,
  sessionIdParams,
  sessionList,
  userIdParams,
  verificationAccount,
  verifyEmailBody,
} from './auth.schemas.js';
import { recoveryRoutes } from './recovery.routes.js';
import { requestLocale } from '../http/request-locale.js';

const tag = 'Accounts';

function clientMeta(ctx: RouteContext<unknown, unknown, unknown>): ClientMeta {
  return { ip: ctx.ip, userAgent: ctx.requestHeader('user-agent')?.slice(0, 300) ?? null };
}

export function authRoutes(auth: AuthService, config: Config): AnyRoute[] {
  const window = config.AUTH_LIMIT_WINDOW_SECONDS;
  const perIp = (bucket: string, ip: string) => ({
    bucket,
    subject: ip,
    limit: config.AUTH_LIMIT_PER_IP,
    windowSeconds: window,
  });

  return [
    defineRoute({
      method: 'post',
      path: '/v1/auth/register',
      summary: 'Create an account and sign in',
      tag,
      access: 'public',
      query: languageQuery,
      body: registerBody,
      response: { status: 201, schema: session, description: 'The new account and its session' },
      errors: ['auth.email_taken', 'rate_limited'],
      rateLimits: ({ ip }) => [perIp('register-ip', ip)],
      // The account's language is the one the fan signed up in; the account page changes it.
      handler: (ctx) => auth.register({ ...ctx.body, locale: requestLocale(ctx) }, clientMeta(ctx)),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/auth/login',
      summary: 'Sign in with email and password',
      tag,
      access: 'public',
      body: loginBody,
      response: { status: 200, schema: session },
      errors: ['auth.invalid_credentials', 'rate_limited'],
      // Failed sign-ins per account and address are counted by the service (LoginAttempts): only it knows which failed.
      rateLimits: ({ ip }) => [perIp('login-ip', ip)],
      handler: (ctx) => auth.login(ctx.body, clientMeta(ctx)),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/auth/logout',
      summary: 'End this session',
      tag,
      access: 'user',
      response: { status: 204, description: 'Signed out' },
      handler: (ctx) => auth.logout(ctx.user, bearerToken(ctx.requestHeader('authorization'))!),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/me/sessions',
      summary: 'Where my account is signed in (never the tokens)',
      tag,
      access: 'user',
      response: { status: 200, schema: sessionList },
      handler: async (ctx) => ({ sessions: await auth.listSessions(ctx.user) }),
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/me/sessions/:id',
      summary: 'Sign out one session: its requests and live connections end at once',
      tag,
      access: 'user',
      params: sessionIdParams,
      response: { status: 204, description: 'Signed out' },
      errors: ['auth.session_not_found'],
      handler: (ctx) => auth.revokeSession(ctx.user, ctx.params.id),
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/me/sessions',
      summary: 'Sign out everywhere (`?keep=current`: everywhere but here)',
      tag,
      access: 'user',
      query: endSessionsQuery,
      response: { status: 200, schema: endedSessions, description: 'How many sessions ended' },
      handler: async (ctx) => ({
        ended: await auth.endSessions(ctx.user, { keepCurrent: ctx.query.keep === 'current' }),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/auth/verify-email',
      summary: 'Confirm an email address with the token from the mail',
      tag,
      access: 'public',
      body: verifyEmailBody,
      response: { status: 200, schema: me },
      errors: ['auth.verification_invalid'],
      handler: (ctx) => auth.verifyEmail(ctx.body.token),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/auth/verify-email/account',
      summary: 'Whose account a verification link confirms (name, creation time), before its reader chooses',
      tag,
      access: 'public',
      body: verifyEmailBody,
      // A read: POST only keeps the token out of URLs and logs.
      idempotency: 'natural',
      response: { status: 200, schema: verificationAccount },
      errors: ['auth.verification_invalid', 'rate_limited'],
      rateLimits: ({ ip }) => [perIp('verify-ip', ip)],
      handler: (ctx) => auth.verificationAccount(ctx.body.token),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/auth/verify-email/decline',
      summary:
        '"This wasn\'t me": release the address from an unconfirmed account someone else registered with it (its sessions end)',
      tag,
      access: 'public',
      body: verifyEmailBody,
      response: { status: 200, schema: releasedEmail },
      errors: ['auth.verification_invalid', 'auth.already_verified', 'rate_limited'],
      rateLimits: ({ ip }) => [perIp('verify-ip', ip)],
      handler: (ctx) => auth.declineVerification(ctx.body.token),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/auth/resend-verification',
      summary: 'Send the verification mail again',
      tag,
      access: 'user',
      response: { status: 202, description: 'Queued' },
      errors: ['auth.already_verified'],
      rateLimits: ({ principal }) => [
        { bucket: 'verify-mail', subject: principal!.userId, limit: 5, windowSeconds: 3600 },
      ],
      handler: (ctx) => auth.resendVerification(ctx.user),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/me',
      summary: 'My account and profile',
      tag,
      access: 'user',
      response: { status: 200, schema: me },
      handler: (ctx) => auth.me(ctx.user),
    }),
    defineRoute({
      method: 'patch',
      path: '/v1/me',
      summary: 'Update my profile (interests, home, accessibility needs, budget, language)',
      tag,
      access: 'user',
      body: profilePatch,
      response: { status: 200, schema: me },
      handler: (ctx) => auth.updateProfile(ctx.user, ctx.body),
    }),
    defineRoute({
      method: 'put',
      path: '/v1/users/:id/roles',
      summary: "Set an account's roles (admins)",
      tag,
      access: { roles: ['admin'] },
      params: userIdParams,
      body: rolesBody,
      response: { status: 200, schema: me },
      errors: ['auth.forbidden', 'auth.user_not_found'],
      handler: (ctx) => auth.setRoles(ctx.params.id, ctx.body.roles),
    }),
    ...recoveryRoutes(auth.recovery, config),
  ];
}
