/** Shared pieces tools and benchmarks use: the platform signing key, the catalogue's vocabulary, the command-line contract. */
export { parseCommandLine, USAGE_EXIT, type CommandIo, type CommandSpec } from './command-line.js';
export { generateSigner, parseSigningKey, signerFromKey, type PlatformSigner } from './signing.js';
export { categories, type AccessibilityFeature, type Category, type Role } from './vocabulary.js';
