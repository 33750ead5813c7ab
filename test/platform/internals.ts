import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Failure messages for the platform canaries: each names the package and version installed, the
 * internal that changed, and the speed-up that relies on it, so an upgrade that breaks one says
 * where to look (src/platform/README.md) instead of failing somewhere downstream.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The installed version of a package, read from its package.json under node_modules/. */
export function installed(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(`${ROOT}node_modules/${pkg}/package.json`, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown version';
  }
}

/** `"<pkg>@<version>: <internal> — <file> relies on it (src/platform/README.md)"`. */
export function internal(pkg: string, what: string, file: string): string {
  return `${pkg}@${installed(pkg)}: ${what} — src/platform/${file} relies on it (see src/platform/README.md)`;
}
