import { AppError, conflict, forbidden, notFound } from '../shared/errors.js';

/** A refusal of one body field: its status, code and words, and the field named for the client. */
const fieldError = (status: number, code: string, field: string, detail: string, data?: Record<string, unknown>) =>
  new AppError(status, code, detail, {
    errors: [{ in: 'body', field, code: code.split('.')[1]!, message: detail }],
    ...(data ? { data } : {}),
  });

export const presaleErrors = {
  windowNotFound: () => notFound('presales.window_not_found', 'No presale window with this id.'),
  codeNotFound: () => notFound('presales.code_not_found', 'No presale code with this id in this window.'),
  notEligible: () =>
    forbidden(
      'presales.not_eligible',
      'This presale is only for the fans it was given to: enter a presale code first, or wait for the general sale.',
    ),
  noOnsale: () =>
    conflict('presales.no_onsale', 'Set the event’s on-sale first: a presale window comes before its general sale.'),
  overlap: (other: string) =>
    fieldError(409, 'presales.windows_overlap', 'opensAt', `This window overlaps the presale window “${other}”.`),
  afterGeneralSale: (saleStartsAt: Date) =>
    fieldError(
      422,
      'presales.after_general_sale',
      'closesAt',
      'A presale window must close by the time the general sale starts.',
      { saleStartsAt: saleStartsAt.toISOString() },
    ),
  closesBeforeOpens: () =>
    fieldError(422, 'presales.closes_before_opens', 'closesAt', 'A presale window must close after it opens.'),
  prequeueAfterOpening: () =>
    fieldError(422, 'presales.prequeue_after_opening', 'prequeueOpensAt', 'The pre-queue must open before the window.'),
  wrongGate: (gate: string) =>
    conflict(
      'presales.wrong_gate',
      `This window is gated by ${gate === 'allowlist' ? 'an allow-list' : gate}, not by codes.`,
    ),
  windowClosed: () =>
    fieldError(409, 'presales.window_closed', 'code', 'This presale window has closed; codes for it no longer work.'),
  codeInvalid: () => fieldError(404, 'presales.code_invalid', 'code', 'This is not a code for this presale.'),
  codeRevoked: () => fieldError(410, 'presales.code_revoked', 'code', 'This code was withdrawn by the organizer.'),
  codeUsedUp: (maxUses: number) =>
    fieldError(
      409,
      'presales.code_used_up',
      'code',
      maxUses === 1
        ? 'This code has already been used by another account.'
        : 'This code has been used as often as it may be.',
      { maxUses },
    ),
  codesTaken: (lines: number[]) =>
    new AppError(
      409,
      'presales.codes_exist',
      'Some of these codes already exist in this window; nothing was imported.',
      {
        errors: lines.map((line) => ({
          in: 'body' as const,
          field: 'csv',
          code: 'codes_exist',
          message: `line ${line}: this code already exists in this window`,
        })),
        data: { lines },
      },
    ),
  csvInvalid: (rows: { line: number; message: string }[]) =>
    new AppError(400, 'presales.csv_invalid', 'Some rows of the file are not valid codes; nothing was imported.', {
      errors: rows.map((r) => ({
        in: 'body' as const,
        field: 'csv',
        code: 'csv_invalid',
        message: `line ${r.line}: ${r.message}`,
      })),
      data: { lines: rows.map((r) => r.line) },
    }),
  allowlistInvalid: (rows: { index: number; message: string }[]) =>
    new AppError(400, 'presales.allowlist_invalid', 'Some entries are neither an email address nor an account id.', {
      errors: rows.map((r) => ({
        in: 'body' as const,
        field: `entries.${r.index}`,
        code: 'allowlist_invalid',
        message: r.message,
      })),
    }),
};
