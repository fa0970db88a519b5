// Lint rules that keep the import rules true:
// packages never import apps; a package imports only packages to its left in
//   config → abc → dataset → model → eval → sweep → store;
// apps import packages; apps/cli may also import the start functions of apps/sweeper and apps/dashboard;
// apps and benches import a package through its public entry (`@tunelab/<name>`, or `@tunelab/<name>/testing`
// in tests), never a file inside it, so what a package exposes is what its index says.
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
];
