import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bin/**', 'eslint.config.js', 'vitest.config.ts', '.ci/**', 'test/support/**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // With noUncheckedIndexedAccess, `!` after a check the compiler cannot follow is the honest form.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // `(x) => (a += b)` and `() => void f()` in callbacks are intended, not confusing.
      '@typescript-eslint/no-confusing-void-expression': 'off',
    },
  },
  {
    // Asymmetric matchers (expect.stringMatching …) are typed `any`; JSON from a CLI under test is checked by the assertions.
    files: ['**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
);
