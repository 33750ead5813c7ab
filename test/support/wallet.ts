import { createHash, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { createSecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import forge from 'node-forge';
import yauzl from 'yauzl';

/**
 * Wallet test kit: a pass certificate chained to a stand-in for Apple's WWDR intermediate, a
 * Google service account key, a local fake of Google's token and Wallet REST endpoints, and
 * readers for what the server hands out (.pkpass zips, PKCS#7 signatures, JWTs).
 */

const rsa = () =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });

function certificate(
  subject: string,
  publicKeyPem: string,
  issuer: { name: string; keyPem: string },
  serial: string,
  ca: boolean,
): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  cert.serialNumber = serial;
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 365 * 86_400_000);
  cert.setSubject([{ name: 'commonName', value: subject }]);
  cert.setIssuer([{ name: 'commonName', value: issuer.name }]);
  cert.setExtensions([{ name: 'basicConstraints', cA: ca }]);
  cert.sign(forge.pki.privateKeyFromPem(issuer.keyPem) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

export interface AppleKit {
  passTypeId: string;
  teamId: string;
  certPem: string;
  keyPem: string;
  wwdrPem: string;
}

/** A self-signed "WWDR" and a pass certificate it issued, as an operator's would chain to Apple's. */
export function appleKit(): AppleKit {
  const wwdr = rsa();
  const pass = rsa();
  const wwdrName = 'Test Worldwide Developer Relations';
  return {
    passTypeId: 'pass.test.fairdrop.tickets',
    teamId: 'TEAM123456',
    wwdrPem: certificate(wwdrName, wwdr.publicKey, { name: wwdrName, keyPem: wwdr.privateKey }, '01', true),
    certPem: certificate(
      'Pass Type ID: pass.test.fairdrop.tickets',
      pass.publicKey,
      { name: wwdrName, keyPem: wwdr.privateKey },
      '02',
      false,
    ),
    keyPem: pass.privateKey,
  };
}

export function googleKit() {
  const key = rsa();
  return {
    issuerId: '3388000000012345678',
    email: 'wallet@fairdrop-test.iam.gserviceaccount.com',
    privateKeyPem: key.privateKey,
    publicKeyPem: key.publicKey,
  };
}

/** The files of a zip, by name. */
export function unzip(bytes: Buffer): Promise<Record<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('no zip'));
      const files: Record<string, Buffer> = {};
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error('no stream'));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            files[entry.fileName] = Buffer.concat(chunks);
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(files));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

/**
 * Checks a detached PKCS#7 SignedData over `content` by hand: the messageDigest attribute is
 * the content's SHA-256, the signed attributes (re-tagged as a SET, as RFC 5652 signs them)
 * verify with the certificate's RSA key, and the certificates it carries are returned (PEM).
 */
export function verifyDetachedPkcs7(
  signature: Buffer,
  content: Buffer,
  certPem: string,
): { ok: boolean; certificates: string[]; digestMatches: boolean } {
  const asn1 = forge.asn1.fromDer(forge.util.createBuffer(signature.toString('binary')));
  const message = forge.pkcs7.messageFromAsn1(asn1) as forge.pkcs7.PkcsSignedData & {
    rawCapture: { signerInfos: forge.asn1.Asn1[] };
  };
  const certificates = message.certificates.map((c) => forge.pki.certificateToPem(c));
  const signerInfo = message.rawCapture.signerInfos[0]!.value as forge.asn1.Asn1[];
  const signed = signerInfo.find((v) => v.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && v.type === 0)!;
  const encryptedDigest = signerInfo[signerInfo.length - 1]!;
  const attributes = signed.value as forge.asn1.Asn1[];
  const digestOid = forge.asn1.oidToDer(forge.pki.oids.messageDigest!).getBytes();
  const digestAttr = attributes.find((a) => ((a.value as forge.asn1.Asn1[])[0]!.value as string) === digestOid)!;
  const digest = Buffer.from(
    ((digestAttr.value as forge.asn1.Asn1[])[1]!.value as forge.asn1.Asn1[])[0]!.value as string,
    'binary',
  );
  const digestMatches = digest.equals(createHash('sha256').update(content).digest());
  const asSet = forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.SET, true, attributes);
  const der = Buffer.from(forge.asn1.toDer(asSet).getBytes(), 'binary');
  const publicKey = createPublicKey(forge.pki.publicKeyToPem(forge.pki.certificateFromPem(certPem).publicKey));
  const sig = Buffer.from(encryptedDigest.value as string, 'binary');
  return { ok: digestMatches && verify('sha256', der, publicKey, sig), certificates, digestMatches };
}

/** The header and claims of a JWT whose RS256 signature verifies with the key; throws otherwise. */
export function verifyJwt(jwt: string, publicKeyPem: string): { header: any; claims: any } {
  const [h, c, s] = jwt.split('.');
  if (!h || !c || !s) throw new Error('not a JWT');
  if (!verify('sha256', Buffer.from(`${h}.${c}`), createPublicKey(publicKeyPem), Buffer.from(s, 'base64url')))
    throw new Error('JWT signature does not verify');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString()),
    claims: JSON.parse(Buffer.from(c, 'base64url').toString()),
  };
}

export interface GoogleCall {
  method: string;
  path: string;
  authorization: string | undefined;
  body: any;
}

const bodyOf = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => resolve(text));
  });

/**
 * Google's token endpoint and Wallet REST API, locally: the token exchange checks the service
 * account's assertion with its public key; object PATCHes are recorded and answered as Google
 * would (200, or 404 for an object never saved, `missing`).
 */
export async function fakeGoogle(publicKeyPem: string) {
  const calls: GoogleCall[] = [];
  const missing = new Set<string>();
  const server = createServer((req, res) => {
    void (async () => {
      const text = await bodyOf(req);
      const path = req.url ?? '';
      if (req.method === 'POST' && path === '/token') {
        const assertion = new URLSearchParams(text).get('assertion') ?? '';
        try {
          verifyJwt(assertion, publicKeyPem);
        } catch {
          res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access_token: 'fake-access-token', expires_in: 3600, token_type: 'Bearer' }));
        return;
      }
      const body = text ? JSON.parse(text) : undefined;
      calls.push({ method: req.method ?? '', path, authorization: req.headers.authorization, body });
      const id = decodeURIComponent(path.split('/').pop() ?? '');
      if (missing.has(id)) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":404}}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? {}));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    calls,
    missing,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface ApnsPush {
  path: string;
  topic: string | undefined;
  /** The common name of the client certificate the connection presented. */
  clientCertificate: string | undefined;
  body: string;
}

/**
 * APNs, locally: HTTP/2 over TLS with a certificate of its own (its CA handed to the server under
 * test as APPLE_APNS_CA), asking for the client's certificate as Apple does. Pushes are
 * recorded; tokens in `gone` answer 410 as for an uninstalled app.
 */
export async function fakeApns() {
  const key = rsa();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(key.publicKey);
  cert.serialNumber = '03';
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  cert.setSubject([{ name: 'commonName', value: '127.0.0.1' }]);
  cert.setIssuer([{ name: 'commonName', value: '127.0.0.1' }]);
  cert.setExtensions([{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }]);
  cert.sign(forge.pki.privateKeyFromPem(key.privateKey) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  const pushes: ApnsPush[] = [];
  const gone = new Set<string>();
  const server = createSecureServer({
    key: key.privateKey,
    cert: certPem,
    requestCert: true,
    rejectUnauthorized: false,
  });
  server.on('stream', (stream, headers) => {
    let body = '';
    stream.setEncoding('utf8');
    stream.on('data', (c: string) => (body += c));
    stream.on('end', () => {
      const path = String(headers[':path']);
      const peer = (stream.session?.socket as TLSSocket | undefined)?.getPeerCertificate();
      pushes.push({
        path,
        topic: headers['apns-topic'] as string | undefined,
        clientCertificate: peer?.subject?.CN as string | undefined,
        body,
      });
      const token = decodeURIComponent(path.split('/').pop() ?? '');
      stream.respond({ ':status': gone.has(token) ? 410 : 200 });
      stream.end(gone.has(token) ? '{"reason":"Unregistered"}' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    caPem: certPem,
    pushes,
    gone,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
