import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import forge from 'node-forge';
import { ConfigError, type Config } from '../config.js';

/**
 * What each wallet needs from the operator, read once at start-up. A variable holds either the
 * PEM itself (newlines as they are or written `\n`, as secret stores often hold them) or the
 * path of a file with it. Missing variables leave that wallet off: its button is hidden and its
 * route answers 503 naming them. A variable that is set but unreadable or not a PEM of the
 * right kind stops the start, naming it: a wallet that fails on the first fan is worse.
 */

export interface AppleCredentials {
  passTypeId: string;
  teamId: string;
  certificate: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
  wwdr: forge.pki.Certificate;
  /** The certificate and key again as PEM, for the TLS client of APNs (wallet-push.ts). */
  tls: { cert: string; key: string; ca: string | undefined };
  apnsUrl: string;
}

export interface GoogleCredentials {
  issuerId: string;
  serviceAccountEmail: string;
  privateKey: KeyObject;
  apiBase: string;
  tokenUrl: string;
}

export interface WalletCredentials {
  apple: AppleCredentials | null;
  google: GoogleCredentials | null;
  /** The variables each wallet still needs; empty when it is on. */
  missing: { apple: string[]; google: string[] };
}

type WalletConfig = Pick<
  Config,
  | 'APPLE_PASS_TYPE_ID'
  | 'APPLE_TEAM_ID'
  | 'APPLE_PASS_CERT'
  | 'APPLE_PASS_KEY'
  | 'APPLE_PASS_KEY_PASSPHRASE'
  | 'APPLE_WWDR_CERT'
  | 'APPLE_APNS_URL'
  | 'APPLE_APNS_CA'
  | 'GOOGLE_WALLET_ISSUER_ID'
  | 'GOOGLE_WALLET_SERVICE_ACCOUNT_EMAIL'
  | 'GOOGLE_WALLET_PRIVATE_KEY'
  | 'GOOGLE_WALLET_API_BASE'
  | 'GOOGLE_OAUTH_TOKEN_URL'
>;

/** The PEM a variable holds, or the file it names. */
function pemOf(variable: string, value: string): string {
  const text = value.includes('-----BEGIN') ? value : read(variable, value);
  return text.replace(/\\n/g, '\n');
}

function read(variable: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([
      { variable, message: `is neither a PEM nor a readable file (${(err as NodeJS.ErrnoException).code ?? 'error'})` },
    ]);
  }
}

function parse<T>(variable: string, what: string, f: () => T): T {
  try {
    return f();
  } catch {
    throw new ConfigError([{ variable, message: `is not ${what}` }]);
  }
}

const missingOf = (entries: Record<string, string | undefined>) =>
  Object.entries(entries)
    .filter(([, v]) => !v)
    .map(([k]) => k);

export function loadWalletCredentials(config: WalletConfig): WalletCredentials {
  const appleMissing = missingOf({
    APPLE_PASS_TYPE_ID: config.APPLE_PASS_TYPE_ID,
    APPLE_TEAM_ID: config.APPLE_TEAM_ID,
    APPLE_PASS_CERT: config.APPLE_PASS_CERT,
    APPLE_PASS_KEY: config.APPLE_PASS_KEY,
    APPLE_WWDR_CERT: config.APPLE_WWDR_CERT,
  });
  const googleMissing = missingOf({
    GOOGLE_WALLET_ISSUER_ID: config.GOOGLE_WALLET_ISSUER_ID,
    GOOGLE_WALLET_SERVICE_ACCOUNT_EMAIL: config.GOOGLE_WALLET_SERVICE_ACCOUNT_EMAIL,
    GOOGLE_WALLET_PRIVATE_KEY: config.GOOGLE_WALLET_PRIVATE_KEY,
  });
  let apple: AppleCredentials | null = null;
  if (appleMissing.length === 0) {
    const certPem = pemOf('APPLE_PASS_CERT', config.APPLE_PASS_CERT!);
    const keyPem = pemOf('APPLE_PASS_KEY', config.APPLE_PASS_KEY!);
    const wwdrPem = pemOf('APPLE_WWDR_CERT', config.APPLE_WWDR_CERT!);
    const key = parse('APPLE_PASS_KEY', 'an RSA private key PEM (with APPLE_PASS_KEY_PASSPHRASE if encrypted)', () => {
      const k = config.APPLE_PASS_KEY_PASSPHRASE
        ? forge.pki.decryptRsaPrivateKey(keyPem, config.APPLE_PASS_KEY_PASSPHRASE)
        : forge.pki.privateKeyFromPem(keyPem);
      if (!k) throw new Error('no key');
      return k;
    });
    apple = {
      passTypeId: config.APPLE_PASS_TYPE_ID!,
      teamId: config.APPLE_TEAM_ID!,
      certificate: parse('APPLE_PASS_CERT', 'a certificate PEM', () => forge.pki.certificateFromPem(certPem)),
      key,
      wwdr: parse('APPLE_WWDR_CERT', 'a certificate PEM', () => forge.pki.certificateFromPem(wwdrPem)),
      tls: {
        cert: certPem,
        key: forge.pki.privateKeyToPem(key),
        ca: config.APPLE_APNS_CA ? pemOf('APPLE_APNS_CA', config.APPLE_APNS_CA) : undefined,
      },
      apnsUrl: config.APPLE_APNS_URL,
    };
  }
  let google: GoogleCredentials | null = null;
  if (googleMissing.length === 0) {
    const pem = pemOf('GOOGLE_WALLET_PRIVATE_KEY', config.GOOGLE_WALLET_PRIVATE_KEY!);
    google = {
      issuerId: config.GOOGLE_WALLET_ISSUER_ID!,
      serviceAccountEmail: config.GOOGLE_WALLET_SERVICE_ACCOUNT_EMAIL!,
      privateKey: parse('GOOGLE_WALLET_PRIVATE_KEY', 'an RSA private key PEM', () => {
        const k = createPrivateKey(pem);
        if (k.asymmetricKeyType !== 'rsa') throw new Error('not RSA');
        return k;
      }),
      apiBase: config.GOOGLE_WALLET_API_BASE.replace(/\/+$/, ''),
      tokenUrl: config.GOOGLE_OAUTH_TOKEN_URL,
    };
  }
  return { apple, google, missing: { apple: appleMissing, google: googleMissing } };
}
