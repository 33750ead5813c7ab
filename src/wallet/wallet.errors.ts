import { AppError, notFound } from '../shared/errors.js';

/** Refusals of wallet passes and of Apple's PassKit web service, each with its stable code. */
export const walletErrors = {
  /** The operator has not given what this wallet needs: the variables are named, their values never. */
  unavailable: (wallet: 'apple' | 'google', missing: readonly string[]) =>
    new AppError(
      503,
      `wallet.${wallet}_unavailable`,
      `${wallet === 'apple' ? 'Apple Wallet' : 'Google Wallet'} passes are not set up on this server; the operator has to set ${missing.join(', ')}.`,
      { data: { missing: [...missing] } },
    ),
  /** PassKit: a pass type this server does not issue, or a serial it never issued. */
  passNotFound: () => notFound('wallet.pass_not_found', 'No pass with this type and serial number.'),
  /** PassKit: the `Authorization: ApplePass <token>` header is missing or is not this pass's. */
  passUnauthorized: () =>
    new AppError(
      401,
      'wallet.pass_unauthorized',
      'Send the pass\'s authentication token as "Authorization: ApplePass <token>".',
      { headers: { 'WWW-Authenticate': 'ApplePass' } },
    ),
};
