import { createHash } from 'node:crypto';
import forge from 'node-forge';
import yazl from 'yazl';
import type { AppleCredentials } from './credentials.js';

/**
 * A .pkpass: a zip of pass.json, its images, manifest.json (the SHA-1 of every other file, as
 * Apple's format fixes it) and `signature`, a detached PKCS#7 (CMS SignedData) over the
 * manifest, signed with the pass certificate's key and carrying Apple's WWDR intermediate, so a
 * device can chain it to Apple's root. node-forge builds the PKCS#7: node:crypto has no CMS.
 */

/** The pass.json fields this server fills; the rest of Apple's format is left out. */
export interface PassJson {
  formatVersion: 1;
  passTypeIdentifier: string;
  teamIdentifier: string;
  serialNumber: string;
  authenticationToken: string;
  webServiceURL: string;
  organizationName: string;
  description: string;
  [field: string]: unknown;
}

/** Detached PKCS#7 over `content`: SHA-256, signed attributes (content type, digest, signing time). */
export function signManifest(content: Buffer, credentials: AppleCredentials, signedAt: Date): Buffer {
  const p7 = forge.pkcs7.createSignedData();
  p7.content = forge.util.createBuffer(content.toString('binary'));
  p7.addCertificate(credentials.certificate);
  p7.addCertificate(credentials.wwdr);
  p7.addSigner({
    key: credentials.key,
    certificate: credentials.certificate,
    digestAlgorithm: forge.pki.oids.sha256!,
    authenticatedAttributes: [
      { type: forge.pki.oids.contentType!, value: forge.pki.oids.data! },
      { type: forge.pki.oids.messageDigest! },
      // forge's types say string; its code takes a Date and encodes it as UTCTime.
      { type: forge.pki.oids.signingTime!, value: signedAt as unknown as string },
    ],
  });
  p7.sign({ detached: true });
  return Buffer.from(forge.asn1.toDer(p7.toAsn1()).getBytes(), 'binary');
}

const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');

/** Zips the pass; entries dated at `modifiedAt`, so a pass rebuilt from the same state has the same files. */
export async function buildPkpass(
  pass: PassJson,
  images: Record<string, Buffer>,
  credentials: AppleCredentials,
  modifiedAt: Date,
): Promise<Buffer> {
  const files: Record<string, Buffer> = { 'pass.json': Buffer.from(JSON.stringify(pass), 'utf8'), ...images };
  const manifest = Buffer.from(
    JSON.stringify(Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, sha1(bytes)]))),
    'utf8',
  );
  const entries: [string, Buffer][] = [
    ...Object.entries(files),
    ['manifest.json', manifest],
    ['signature', signManifest(manifest, credentials, new Date())],
  ];
  const zip = new yazl.ZipFile();
  for (const [name, bytes] of entries) zip.addBuffer(bytes, name, { mtime: modifiedAt });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
