import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import webpush from 'web-push';
import { z } from 'zod';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

const stored = z.object({
  publicKey: z.string().regex(/^[A-Za-z0-9_-]{87}$/),
  privateKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});

/**
 * The VAPID pair kept at `path` (JSON), made on first use: `npm start` needs no setup, and a
 * restart keeps the pair, so the browsers' subscriptions (bound to the public key) keep working.
 */
export async function loadOrCreateVapidKeys(path: string): Promise<VapidKeys> {
  try {
    return stored.parse(JSON.parse(await readFile(path, 'utf8')));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const keys = webpush.generateVAPIDKeys();
  await mkdir(dirname(path), { recursive: true });
  // Written whole beside it, then linked into place: a second process sees no file or a complete one.
  const draft = `${path}.${randomUUID()}.tmp`;
  await writeFile(draft, JSON.stringify(keys), { mode: 0o600 });
  try {
    await link(draft, path).catch((err: unknown) => {
      // Another process of the same data folder linked its pair first: theirs is the pair.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    });
  } finally {
    await unlink(draft);
  }
  return stored.parse(JSON.parse(await readFile(path, 'utf8')));
}
