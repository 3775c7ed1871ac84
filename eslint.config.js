import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { noImportCycle } from './scripts/lint/no-import-cycle.ts';

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
      // `interface X extends Record<K, true> {}` is how a feature registers its verbs (src/bot/context.ts).
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
    },
  },
  {
    // Modules that import each other, even for types only, can only be read and changed together.
    files: ['src/**/*.ts'],
    plugins: { project: { rules: { 'no-import-cycle': noImportCycle } } },
    rules: { 'project/no-import-cycle': 'error' },
  },
  {
    // Core must not know chat platforms, HTTP or job queues (docs/design.md §1).
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
    // The bot speaks core only: no Prisma, no HTTP, no platform SDK (docs/design.md §1, §6).
    files: ['src/bot/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/db/**', '**/api/**', '**/adapters/**', '**/jobs/**'], message: 'the bot depends on core only' },
          { group: ['fastify*', '@fastify/*', 'bullmq', 'ioredis', '@prisma/*', '@slack/*', 'discord.js', 'telegraf'], message: 'the bot depends on core only' },
        ],
      }],
    },
  },
  {
    // Adapters translate between a platform and the bot; they never touch the database.
    files: ['src/adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/db/**', '**/api/**', '**/jobs/**', '@prisma/*'], message: 'adapters talk to the bot (and core for identities), never to the database' }],
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
