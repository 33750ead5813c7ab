import { z } from 'zod';
import { email, newPassword } from './auth.schemas.js';

/** A mailed link's token: the part after `#token=`. */
const mailedToken = z.string().min(10).max(200);

export const passwordResetBody = z.object({ email });

export const passwordResetConfirmBody = z.object({
  token: mailedToken,
  password: newPassword,
});

export const passwordResetDone = z.object({
  email: z.string().describe('The account whose password changed: sign in with it and the new password.'),
  sessionsEnded: z.number().int().min(0).describe('How many sign-ins ended (every one the account had).'),
});

export const emailChangeBody = z.object({
  email: email.describe('The new address; it replaces the current one once the link mailed there is used.'),
  password: z.string().min(1).max(200).describe('The current password.'),
});

export const emailChangeConfirmBody = z.object({ token: mailedToken });

export const emailChanged = z.object({
  email: z.string().describe("The account's address now, confirmed."),
});
