// Lint: typescript-eslint's recommended rules, plus the layering rule from STYLE.md:
// src/core is text in, data out, so it may not import the editor, the file system or the network.
import tseslint from 'typescript-eslint';

/** Outside the core, its modules are imported only through src/core/facade.ts. */
const FACADE_ONLY = { group: ['**/core/*', '**/core/**', '!**/core/facade'], message: 'Import the core through src/core/facade.ts.' };

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.cache/**', 'media/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['vscode', 'fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'http', 'node:http', 'https', 'node:https',
          'net', 'node:net', 'tls', 'node:tls', 'child_process', 'node:child_process', '@kubernetes/client-node'],
      }],
    },
  },
  {
    files: ['src/cli/**/*.ts', 'src/core/**/*.ts', 'src/kube/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: ['vscode'] }] },
    ignores: ['src/core/**/*.ts'],
  },
  {
    // The front ends reach the core only through its facade: one shape, and the core's insides stay free to move.
    files: ['src/vscode/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [FACADE_ONLY] }] },
  },
  {
    // This block replaces the one above for src/cli, so it repeats the ban on 'vscode'.
    files: ['src/cli/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: ['vscode'], patterns: [FACADE_ONLY] }] },
  },
  { files: ['scripts/**/*.mjs', '.ci/**'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
);
