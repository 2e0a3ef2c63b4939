// Lint rules that encode the architecture: src/workflows runs in Temporal's
// deterministic sandbox, so it may import nothing with side effects and no code from the
// folders that cannot run there (src/model, src/worker, src/client, src/dev, src/cli, …).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`]);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', '.agent-os/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['scripts/**/*.js', 'scripts/**/*.mjs'],
    languageOptions: { globals: { require: 'readonly', process: 'readonly', console: 'readonly', __dirname: 'readonly', module: 'writable', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', fetch: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: 'Workflow code runs in the deterministic sandbox: no Node built-ins.' })),
            { name: 'openai', message: 'Call the model from an activity, never from workflow code.' },
            { name: 'micromatch', message: 'Glob matching belongs to src/policy, which runs in activities.' },
            { name: 'picomatch', message: 'Glob matching belongs to src/policy, which runs in activities.' },
            { name: 'undici', message: 'Network I/O belongs in activities.' },
            { name: '@temporalio/activity', message: 'Activities are imported as types only (proxyActivities).' },
            { name: '@temporalio/worker', message: 'Worker code cannot run in the workflow sandbox.' },
            { name: '@temporalio/client', message: 'Client code cannot run in the workflow sandbox.' },
          ],
          patterns: [
            {
              // Every folder but src/workflows holds code that cannot run in the sandbox
              // (Node I/O, the model client, workers, clients, developer tooling).
              group: ['../*', '!../workflows', '!../workflows/**', '**/src/**', '!**/src/workflows/**'],
              allowTypeImports: true,
              message: 'src/workflows may import code only from src/workflows (types from elsewhere are fine: `import type`).',
            },
          ],
        },
      ],
    },
  },
);
