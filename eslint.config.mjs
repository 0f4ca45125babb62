// ESLint (npm run lint): typescript-eslint's type-checked rules over the TypeScript, the recommended
// rules over the plain JavaScript, and no unused eslint-disable comment. Formatting is Prettier's
// (.prettierrc.json), so no style rules here.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'reports/', '.stryker-tmp/', '.tgate/', 'coverage/'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // `async` without `await` is on purpose here: a handler the sailor calls (getMetaModel, a select
      // model) or a fake of an async interface must reject, not throw, when its body throws.
      '@typescript-eslint/require-await': 'off',
      // `import x = require('...')` is TypeScript's own import of a CommonJS module (oauth2-server's types).
      '@typescript-eslint/no-require-imports': ['error', { allowAsImport: true }],
      // `_name` marks what a signature or a destructuring must name but the body does not use.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Specs read JSON that arrives as `any` (axios bodies, component.json, the sailor's messages) and check
    // its shape with assertions at run time; typing each fixture would only add `as` casts. Every other
    // type-checked rule holds in specs as in lib.
    files: ['spec/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: globals.node } },
  prettier,
  {
    // Prettier breaks code at 120 columns but leaves long strings and comments: in lib/ they are held to 120
    // too (a message is split with `+`).
    files: ['lib/**/*.ts'],
    rules: { 'max-len': ['error', { code: 120, ignoreUrls: true, ignoreRegExpLiterals: true }] },
  },
);
