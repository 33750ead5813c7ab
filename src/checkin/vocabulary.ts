/**
 * What a scan can answer, as plain values: the check-ins table stores it, the scan routes
 * validate it, and the scanner page (web/src/scanner) shows it.
 */
export const scanResults = [
  'admitted',
  'already_used',
  'revoked',
  'wrong_event',
  'invalid',
  'not_yet_valid',
  'expired_code',
] as const;
export type ScanResult = (typeof scanResults)[number];
