#!/usr/bin/env node
// Removes from an `npm ci --omit=dev` install the packages that only the development tools need.
// npm keeps the optional peer dependencies of production packages when they are in the lockfile:
// @prisma/client names the Prisma CLI and TypeScript as optional peers, so `--omit=dev` still
// installs both, with the CLI's own dependencies (its Studio, React, ...): about half the runtime
// image. The lockfile marks such packages `devOptional` (needed by a dev dependency, or as an
// optional dependency only). `--omit=optional` would drop them too, but also the truly optional
// packages production uses, e.g. msgpackr's prebuilt native extension under BullMQ.
//   node scripts/prune-dev-only.mjs [dir]     dir holds package-lock.json and node_modules (default .)
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The installed paths (`node_modules/...`) the lockfile marks as wanted by development only. */
export function devOnlyPackages(lockfile) {
  return Object.entries(lockfile.packages ?? {})
    .filter(([location, entry]) => location !== '' && entry.devOptional === true)
    .map(([location]) => location);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = path.resolve(process.argv[2] ?? '.');
  const lockfile = JSON.parse(readFileSync(path.join(dir, 'package-lock.json'), 'utf8'));
  const dropped = devOnlyPackages(lockfile);
  for (const location of dropped) rmSync(path.join(dir, location), { recursive: true, force: true });
  // Their commands (prisma, tsc, ...) would be dangling links: existsSync follows a link to its target.
  const bin = path.join(dir, 'node_modules/.bin');
  for (const name of existsSync(bin) ? readdirSync(bin) : []) if (!existsSync(path.join(bin, name))) rmSync(path.join(bin, name));
  console.warn(`removed ${dropped.length} packages only the development tools need`);
}
