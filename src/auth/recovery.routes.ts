import type { Config } from '../config.js';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { hashSecret } from '../shared/tokens.js';
import { languageQuery } from './auth.schemas.js';
import type { RecoveryService } from './recovery.service.js';
import { requestLocale } from '../http/request-locale.js';
import {
  emailChangeBody,
  emailChangeConfirmBody,
  emailChanged,
  passwordResetBody,
  passwordResetConfirmBody,
  passwordResetDone,
} from './recovery.schemas.js';

const tag = 'Accounts';

/** Reset mails one address may be sent per hour: a fan who lost a mail asks again; nobody's inbox is flooded. */
const RESET_MAILS_PER_ADDRESS_HOUR = 5;
/** Changes of address one account may ask per hour, wrong passwords included: a stolen session cannot guess the password at speed. */
const EMAIL_CHANGES_PER_ACCOUNT_HOUR = 10;

export function recoveryRoutes(recovery: RecoveryService, config: Config): AnyRoute[] {
  const perIp = (bucket: string, ip: string) => ({
    bucket,
    subject: ip,
    limit: config.AUTH_LIMIT_PER_IP,
    windowSeconds: config.AUTH_LIMIT_WINDOW_SECONDS,
  });

  return [
    defineRoute({
      method: 'post',
      path: '/v1/auth/password-reset',
      summary: 'Mail a password-reset link (30 minutes, once); the same 202 whether or not the address has an account',
      tag,
      access: 'public',
      query: languageQuery,
      body: passwordResetBody,
      response: { status: 202, description: 'A mail is on its way to the address' },
      errors: ['rate_limited'],
      // Counted by the address typed, account or not (keyed by its hash), so a 429 tells nothing either.
      rateLimits: ({ ip, body }) => [
        perIp('reset-ip', ip),
        {
          bucket: 'reset-mail',
          subject: hashSecret(body.email),
          limit: RESET_MAILS_PER_ADDRESS_HOUR,
          windowSeconds: 3600,
        },
      ],
      handler: (ctx) => recovery.requestPasswordReset(ctx.body.email, requestLocale(ctx)),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/auth/password-reset/confirm',
      summary: 'Set a new password with the mailed link; every session of the account ends',
      tag,
      access: 'public',
      body: passwordResetConfirmBody,
      response: { status: 200, schema: passwordResetDone },
      errors: ['auth.reset_link_invalid', 'rate_limited'],
      rateLimits: ({ ip }) => [perIp('reset-confirm-ip', ip)],
      handler: (ctx) => recovery.resetPassword(ctx.body, ctx.ip),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/me/email',
      summary: 'Change my address: a link to confirm it goes to the new address, a notice to the current one',
      tag,
      access: 'user',
      body: emailChangeBody,
      response: { status: 202, description: 'The confirmation is on its way to the new address' },
      errors: ['auth.password_wrong', 'auth.email_unchanged', 'rate_limited'],
      rateLimits: ({ principal }) => [
        {
          bucket: 'email-change',
          subject: principal!.userId,
          limit: EMAIL_CHANGES_PER_ACCOUNT_HOUR,
          windowSeconds: 3600,
        },
      ],
      handler: (ctx) => recovery.requestEmailChange(ctx.user, ctx.body),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/auth/email-change/confirm',
      summary: 'Confirm a new address with the link mailed to it; the account takes it, confirmed',
      tag,
      access: 'public',
      body: emailChangeConfirmBody,
      response: { status: 200, schema: emailChanged },
      errors: ['auth.email_change_invalid', 'auth.email_taken', 'rate_limited'],
      rateLimits: ({ ip }) => [perIp('email-confirm-ip', ip)],
      handler: (ctx) => recovery.confirmEmailChange(ctx.body.token),
    }),
  ];
}
