import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SPAWNING } from './process.ts';

// The project runs on Node 24 LTS, provided by the npm package `node` to every npm script (npm puts
// node_modules/.bin first on PATH), whatever Node the machine has. These fail on the machine's Node 20.

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  allowScripts?: Record<string, boolean>;
};
const major = (version: string): number => Number(/(\d+)/.exec(version)?.[1]);

describe('Node 24', SPAWNING, () => {
  it('runs the tests', () => {
    expect(major(process.version)).toBe(24);
  });

  it('is what an npm script finds as `node`', () => {
    const printed = execFileSync('npm', ['exec', '--offline', '--', 'node', '-p', 'process.version'], { encoding: 'utf8' }).trim();
    expect(printed).toBe(`v${pkg.dependencies.node}`);
  });

  it('is declared consistently: engines, the pinned `node` package with its install script approved, and @types/node', () => {
    expect(major(pkg.engines.node)).toBe(24);
    expect(pkg.dependencies.node).toMatch(/^24\.\d+\.\d+$/);
    expect(pkg.allowScripts?.node).toBe(true);
    expect(major(pkg.devDependencies['@types/node']!)).toBe(24);
  });
});
