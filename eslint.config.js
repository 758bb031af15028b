// ESLint checks only the module boundaries the docs promise (formatting is prettier's, types are tsc's):
//  - TF.js is imported in src/engine/ only (src/engine/tf.ts re-exports it), so the wasm backend, our
//    kernels and gradient overrides are always the ones in effect;
//  - library code never imports from src/cli/ (commands sit on top; shared helpers live below them).
import tsParser from '@typescript-eslint/parser';

const tfjs = {
  group: ['@tensorflow/tfjs', '@tensorflow/tfjs-*'],
  message: "import { tf } from src/engine/tf.ts (or src/engine/index.ts): it is TF.js's one entry point.",
};
const cli = {
  group: ['**/cli/*', '**/cli'],
  message:
    'library code must not import from src/cli/: move the shared part below it (e.g. src/progress.ts).',
};

export default [
  {
    ignores: [
      'node_modules/**',
      'web/dist/**',
      'runs/**',
      'test-output/**',
      'docs/**',
      'models/**',
      '.stryker-tmp/**', // mutation-testing sandboxes (npm run test:mutation)
      'reports/**',
    ],
  },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tsParser, ecmaVersion: 'latest', sourceType: 'module' },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  {
    files: ['**/*.ts'],
    ignores: ['src/engine/**', 'test/engine/**', 'src/cli/**', 'test/**', 'bin/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [tfjs, cli] }] },
  },
  {
    // Commands may import each other's helpers; TF.js still only through the engine.
    files: ['src/cli/**/*.ts', 'test/**/*.ts'],
    ignores: ['test/engine/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [tfjs] }] },
  },
];
