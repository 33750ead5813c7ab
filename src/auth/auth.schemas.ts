import { z } from 'zod';
import { LOCALES } from '../i18n/locales.js';
import { accessibilityFeatures, categories, roles } from '../shared/vocabulary.js';

export const email = z
  .email({ message: 'must be an email address' })
  .max(254)
  .transform((v) => v.trim().toLowerCase());

/** A password being chosen (sign-up, reset): length, not composition rules (NIST SP 800-63B), 10 characters or a passphrase. */
export const newPassword = z.string().min(10, 'must be at least 10 characters').max(200);

export const registerBody = z.object({
  email,
  password: newPassword,
  displayName: z.string().trim().min(1).max(80),
});

/** The language a request asks for by a switcher link; the account's language is the request's (negotiateLocale). */
export const languageQuery = z.object({ lang: z.string().max(10).optional() });

/** The languages an account may read its mails and notices in. */
export const accountLocale = z.enum(LOCALES).describe("The language of the account's mails and notices.");

export const loginBody = z.object({
  email,
  password: z.string().min(1).max(200),
});

export const verifyEmailBody = z.object({ token: z.string().min(10).max(200) });

/** Whose account a verification link is for: what its reader needs to say "yes, mine" or "this wasn't me". */
export const verificationAccount = z.object({
  email: z.string().describe('The address the link was sent to.'),
  displayName: z.string().describe('The name the account was registered with.'),
  createdAt: z.iso.datetime().describe('When the account was created.'),
  emailVerified: z.boolean().describe('Already confirmed (with another link of the same account).'),
});

export const releasedEmail = z.object({
  email: z.string().describe('The address, now free: register with it, or claim a ticket sent to it.'),
});

export const homeLocation = z.object({
  label: z.string().trim().max(120).optional(),
  lat: z.number().min(-90).max(90),
  lng: z.number().min(-180).max(180),
});

export const profilePatch = z
  .object({
    displayName: z.string().trim().min(1).max(80),
    interests: z.array(z.enum(categories)).max(25),
    home: homeLocation.nullable(),
    accessibilityNeeds: z.array(z.enum(accessibilityFeatures)).max(accessibilityFeatures.length),
    budgetCents: z.number().int().min(0).max(100_000_000).nullable(),
    locale: accountLocale,
  })
  .partial()
  .strict();

export const rolesBody = z.object({ roles: z.array(z.enum(roles)).min(1).max(roles.length) });
export const userIdParams = z.object({ id: z.uuid() });

export const me = z.object({
  id: z.uuid(),
  email: z.string(),
  displayName: z.string(),
  roles: z.array(z.enum(roles)),
  emailVerified: z.boolean(),
  interests: z.array(z.string()),
  home: homeLocation.nullable(),
  accessibilityNeeds: z.array(z.string()),
  budgetCents: z.number().int().nullable(),
  locale: accountLocale,
  createdAt: z.iso.datetime(),
});

export const session = z.object({
  token: z.string().describe('Send as `Authorization: Bearer <token>`.'),
  expiresAt: z.iso.datetime(),
  user: me,
});

export const sessionIdParams = z.object({ id: z.uuid() });

export const endSessionsQuery = z
  .object({
    keep: z.enum(['current']).optional().describe('`current`: end every session but the one making this call.'),
  })
  .strict();

/** One sign-in of my account, as the account page lists it: never its token. */
export const sessionInfo = z.object({
  id: z.uuid(),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  ip: z.string().nullable().describe('The address it signed in from.'),
  userAgent: z.string().nullable().describe('The browser or app it signed in with.'),
  current: z.boolean().describe('The session making this call.'),
});

export const sessionList = z.object({ sessions: z.array(sessionInfo) });
export const endedSessions = z.object({ ended: z.number().int().min(0) });
