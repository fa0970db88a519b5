// Lint rules that keep the import rules true:
// packages never import apps; a package imports only packages to its left in
//   config → abc → dataset → model → eval → sweep → store;
// apps import packages; apps/cli may also import the start functions of apps/sweeper and apps/dashboard;
// apps and benches import a package through its public entry (`@tunelab/<name>`, or `@tunelab/<name>/testing`
// in tests), never a file inside it, so what a package exposes is what its index says;
// production source (packages/*/src, apps/*/src, tests aside) imports no `testing` entry: test helpers never ship.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const layers = ['config', 'abc', 'dataset', 'model', 'eval', 'sweep', 'store'];
// Deep imports into packages: `@tunelab/<name>/src/…`, any `@tunelab/<name>/<path>` but `testing`, and relative
// paths into packages/<name>/ (src/, testing/ or anything else inside it).
const noDeepImports = {
  patterns: [
    {
      group: ['@tunelab/*/*', '!@tunelab/*/testing'],
      message: 'Import a package through its public entry (@tunelab/<name>, or @tunelab/<name>/testing in tests); export what you need from its index.',
    },
    {
      regex: '^(\\.\\./)+packages/[^/]+/',
      message: 'Import a package through its public entry (@tunelab/<name>), not a relative path into packages/.',
    },
  ],
};

// Test helpers in production source: any `@tunelab/<name>/testing` entry, or a relative path into a testing/ folder.
const noTestingEntries = [
  {
    group: ['@tunelab/*/testing', '@tunelab/*/testing/*'],
    message: 'Production source may not import test helpers (@tunelab/<name>/testing): only tests may.',
  },
  {
    regex: '^(\\.\\.?/)+(.*/)?testing(/|$)',
    message: 'Production source may not import test helpers (a testing/ folder): only tests may.',
  },
];
const productionSource = {
  files: ['packages/*/src/**/*.ts', 'packages/*/src/**/*.tsx', 'packages/*/src/**/*.mjs', 'apps/*/src/**/*.ts', 'apps/*/src/**/*.tsx', 'apps/*/src/**/*.mjs'],
  ignores: ['**/*.test.ts', '**/*.test.tsx'],
};

const packageConstraints = layers.map((layer, i) => ({
  sourceTag: `layer:${layer}`,
  onlyDependOnLibsWithTags: layers.slice(0, i).map((l) => `layer:${l}`),
}));

export default [
  { ignores: ['**/node_modules/**', '**/dist/**', '**/build/**', '.nx/**', '.tunelab/**', 'test-artifacts/**', '.gpu-carry/**', '.gl/**', '.whl/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mjs'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            ...packageConstraints,
            { sourceTag: 'app:sweeper', onlyDependOnLibsWithTags: ['type:package'] },
            { sourceTag: 'app:dashboard', onlyDependOnLibsWithTags: ['type:package'] },
            { sourceTag: 'app:cli', onlyDependOnLibsWithTags: ['type:package', 'app:sweeper', 'app:dashboard'] },
          ],
        },
      ],
    },
  },
  {
    files: ['apps/**/*.ts', 'apps/**/*.tsx', 'apps/**/*.mjs', 'bench/**/*.ts', 'bench/**/*.mjs'],
    rules: { 'no-restricted-imports': ['error', noDeepImports] },
  },
  // A later block's no-restricted-imports replaces an earlier one's for the same file, so apps' production
  // source states both rules.
  {
    ...productionSource,
    files: productionSource.files.filter((f) => f.startsWith('packages/')),
    rules: { 'no-restricted-imports': ['error', { patterns: noTestingEntries }] },
  },
  {
    ...productionSource,
    files: productionSource.files.filter((f) => f.startsWith('apps/')),
    rules: { 'no-restricted-imports': ['error', { patterns: [...noDeepImports.patterns, ...noTestingEntries] }] },
  },
];
