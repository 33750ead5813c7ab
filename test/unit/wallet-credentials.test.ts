import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { loadWalletCredentials } from '../../src/wallet/credentials.js';
import { appleKit, googleKit } from '../support/wallet.js';

/** The wallet's credentials: all of a wallet's variables or it is off; a set but bad one stops the start, named. */

const config = (env: Record<string, string>) => loadConfig({ NODE_ENV: 'test', ...env });

describe('wallet credentials', () => {
  const apple = appleKit();
  const google = googleKit();
  const appleEnv = {
    APPLE_PASS_TYPE_ID: apple.passTypeId,
    APPLE_TEAM_ID: apple.teamId,
    APPLE_PASS_CERT: apple.certPem,
    APPLE_PASS_KEY: apple.keyPem,
    APPLE_WWDR_CERT: apple.wwdrPem,
  };

  it('turns a wallet on only with all of its variables, and names the missing ones', () => {
    expect(loadWalletCredentials(config(appleEnv))).toMatchObject({ google: null, missing: { apple: [] } });
    const partial = loadWalletCredentials(
      config({ GOOGLE_WALLET_ISSUER_ID: google.issuerId, GOOGLE_WALLET_PRIVATE_KEY: google.privateKeyPem }),
    );
    expect(partial).toMatchObject({
      apple: null,
      google: null,
      missing: { google: ['GOOGLE_WALLET_SERVICE_ACCOUNT_EMAIL'] },
    });
  });

  it('refuses to start on a path that is not there or a PEM of the wrong kind, naming the variable', () => {
    const failure = (env: Record<string, string>) => {
      try {
        loadWalletCredentials(config(env));
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).problems.map((p) => p.variable);
      }
      return [];
    };
    expect(failure({ ...appleEnv, APPLE_PASS_CERT: '/nonexistent/pass.pem' })).toEqual(['APPLE_PASS_CERT']);
    expect(failure({ ...appleEnv, APPLE_WWDR_CERT: apple.keyPem })).toEqual(['APPLE_WWDR_CERT']);
    expect(failure({ ...appleEnv, APPLE_PASS_KEY: apple.certPem })).toEqual(['APPLE_PASS_KEY']);
    expect(
      failure({
        GOOGLE_WALLET_ISSUER_ID: google.issuerId,
        GOOGLE_WALLET_SERVICE_ACCOUNT_EMAIL: google.email,
        GOOGLE_WALLET_PRIVATE_KEY: google.publicKeyPem,
      }),
    ).toEqual(['GOOGLE_WALLET_PRIVATE_KEY']);
  });

  it('checks the ids when the config is parsed', () => {
    expect(() => config({ APPLE_PASS_TYPE_ID: 'com.example' })).toThrow(/APPLE_PASS_TYPE_ID/);
    expect(() => config({ APPLE_TEAM_ID: 'short' })).toThrow(/APPLE_TEAM_ID/);
    expect(() => config({ GOOGLE_WALLET_ISSUER_ID: 'abc' })).toThrow(/GOOGLE_WALLET_ISSUER_ID/);
  });
});
