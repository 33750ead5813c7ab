/** Shared pieces tools and benchmarks use: the platform signing key, and the catalogue's vocabulary. */
export { generateSigner, parseSigningKey, signerFromKey, type PlatformSigner } from './signing.js';
export { categories, type AccessibilityFeature, type Category, type Role } from './vocabulary.js';
