import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'src/db/generated/', 'tools/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: globals.node } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['error', 'warn'] }],
    },
  },
  {
    // Core must not know chat platforms, HTTP or job queues (ARCHITECTURE §1).
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/api/**', '**/bot/**', '**/adapters/**', '**/jobs/**'], message: 'core depends on db only' },
          { group: ['fastify*', '@fastify/*', 'bullmq', 'ioredis', '@slack/*', 'discord.js', 'telegraf'], message: 'core depends on db only' },
        ],
      }],
    },
  },
  {
    files: ['src/api/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/bot/**', '**/adapters/**'], message: 'the API never renders chat views' }],
      }],
    },
  },
);
