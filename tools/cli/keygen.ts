import { generateKeyPairSync } from 'node:crypto';

/** `npm run keygen`: prints a new Ed25519 SIGNING_KEY (base64 PKCS#8 DER, one line for env files). */
const { privateKey } = generateKeyPairSync('ed25519');
process.stdout.write(`${privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64')}\n`);
