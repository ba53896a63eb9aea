import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import pluginVue from 'eslint-plugin-vue';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Forbids imports of a top-level folder through any relative path ("../../src-main/engine"). */
function folder(name, message) {
  return { regex: `(^|/)${name}(/|$)`, message };
}

export default defineConfig([
  globalIgnores([
    'out/',
    'dist/',
    'node_modules/',
    'src-main/native/build/',
    'src-main/native/build-*/',
    'schemas/',
    'test-artifacts/',
  ]),

  js.configs.recommended,
  tseslint.configs.recommended,
  pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },

  // Destructuring to leave some fields out of a copy is how an object loses them without a cast.
  { rules: { '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }] } },

  {
    files: ['src-main/**', 'scripts/**', 'tests/**', 'bin/**', '*.config.{js,ts}'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['src-renderer/**', 'src-preload/**'],
    languageOptions: { globals: { ...globals.browser } },
  },

  // Import boundaries between processes (see the folder table in DESIGN.md).
  {
    files: ['src-shared/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'src-shared is the contract and runs everywhere: no Electron.' }],
          patterns: [
            folder('src-main', 'src-shared may not import from src-main.'),
            folder('src-preload', 'src-shared may not import from src-preload.'),
            folder('src-renderer', 'src-shared may not import from src-renderer.'),
          ],
        },
      ],
    },
  },
  {
    files: ['src-renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The renderer reaches main only through window.sockscope.' }],
          patterns: [
            { regex: '^electron/', message: 'The renderer reaches main only through window.sockscope.' },
            folder('src-main', 'The renderer may not import from src-main; use window.sockscope.'),
            {
              ...folder('src-preload', 'The renderer may import only types from src-preload.'),
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src-preload/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!electron$|\\.)',
              message: 'The preload runs sandboxed: it may import only electron, src-shared and its own files.',
            },
            folder('src-main', 'The preload may import only electron, src-shared and its own files.'),
            folder('src-renderer', 'The preload may import only electron, src-shared and its own files.'),
          ],
        },
      ],
    },
  },
]);
