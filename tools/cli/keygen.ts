import { generateKeyPairSync } from 'node:crypto';
import { parseCommandLine } from '../../src/shared/index.js';

parseCommandLine({
  usage: `npm run keygen

  Prints a new Ed25519 SIGNING_KEY (base64 PKCS#8 DER, one line for env files) on stdout.
  Keep it secret and keep it: it signs every receipt and ticket; a new key cannot vouch for
  what the old one signed.
  Example: export FAIRDROP_SIGNING_KEY=$(npm run -s keygen)

  -h, --help     this text
`,
  options: {},
});

const { privateKey } = generateKeyPairSync('ed25519');
process.stdout.write(`${privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64')}\n`);
