import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Layer boundaries (docs/design.md, "Layers"). Paths are matched on the import string, so a
 * relative import that climbs into a forbidden folder is caught wherever it starts.
 */
const into = (folders) => `(^|/)(${folders.join('|')})(/|$)`;
const restrict = (patterns) => ({
  'no-restricted-imports': [
    'error',
    { patterns: patterns.map(([regex, message]) => ({ regex, message })) },
  ],
});

const CORE_ONLY = [
  ['^(?!zod$|node:|\\.)', 'core imports only zod and node built-ins'],
  [into(['infra', 'lambdas', 'pipelines', 'test', 'scripts']), 'core imports only core'],
];
const NO_LAMBDAS = [
  [into(['lambdas']), 'the definition path loads no Lambda code: import declarations from core'],
];

export default tseslint.config(
  { ignores: ['node_modules', 'cdk.out', 'work', 'scratch', 'coverage', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  { files: ['core/**/*.ts'], rules: restrict(CORE_ONLY) },
  {
    files: [
      'infra/dsl/**/*.ts',
      'infra/compiler/**/*.ts',
      'infra/cdk/**/*.ts',
      'infra/app.ts',
      'pipelines/**/*.ts',
    ],
    rules: restrict(NO_LAMBDAS),
  },
  {
    // The CLI and the local runner use the runtime libraries (storage, readers, the report) but
    // reach handlers and operators only through core's function table and the pipeline.
    files: ['infra/cli/**/*.ts', 'infra/local/**/*.ts'],
    rules: restrict([
      [
        '(^|/)lambdas/(handlers|ops|models)(/|$)',
        'call handlers through core/functions.ts (infra/local/handlers.ts), never by import',
      ],
    ]),
  },
  {
    // What `vlmflow init` copies into a project of its own: there only the package root exists.
    files: ['templates/**/*.ts'],
    rules: restrict([
      [
        '^(?!vlmflow$|node:|\\.)',
        "a project imports vlmflow's package root and node built-ins only",
      ],
      ['^\\.\\./\\.\\.', 'a project file imports only within the project'],
    ]),
  },
  {
    files: ['lambdas/**/*.ts'],
    rules: restrict([
      [into(['infra', 'pipelines']), 'Lambda code imports core and lambdas/ only'],
      ['^(aws-cdk-lib|constructs)(/|$)', 'Lambda code never imports CDK'],
    ]),
  },
);
