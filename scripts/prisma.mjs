#!/usr/bin/env node
// Runs the Prisma CLI. Prisma downloads a native schema engine before every command; where that
// cannot be reached (these machines are offline) the project's copy of the WebAssembly stand-in is
// used instead. Set PRISMA_SCHEMA_ENGINE_BINARY yourself to use another engine.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.join(root, 'tools/prisma-wasm-engine/schema-engine.mjs');
env.PRISMA_HIDE_UPDATE_MESSAGE = '1';
env.CHECKPOINT_DISABLE = '1';

const cli = path.join(root, 'node_modules/prisma/build/index.js');
const result = spawnSync(process.execPath, [cli, ...process.argv.slice(2)], { stdio: 'inherit', env, cwd: root });
process.exit(result.status ?? 1);
