import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', '.fairdrop/', 'test-artifacts/', 'web/vendor/', 'drizzle/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    // Product code logs through pino with request ids; the console is for tests, tools and benchmarks.
    files: ['src/**/*.ts', 'queue/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    // Tests read JSON bodies of many shapes; typing each would only restate the schemas.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['web/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  {
    // Tool configs in CommonJS (.dependency-cruiser.cjs): `module.exports` under Node.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
  },
);
