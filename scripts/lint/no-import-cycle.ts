import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Rule } from 'eslint';
import ts from 'typescript';

// An ESLint rule that refuses import cycles between the project's own modules, type-only imports
// and re-exports included. The usual plugins skip `import type` when they look for cycles, but a
// type-only circle still ties its modules into one unit that must be read and changed together
// (core/index.ts once made 38 core files one circle through the type of its dependencies).

/** The project files a file imports or re-exports from, by relative specifier, types included. */
const importsCache = new Map<string, string[]>();

function importsOf(file: string): string[] {
  let found = importsCache.get(file);
  if (!found) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    found = importedFiles.flatMap(({ fileName }) => {
      const target = resolveRelative(file, fileName);
      return target ? [target] : [];
    });
    importsCache.set(file, found);
  }
  return found;
}

/** A relative specifier as a file on disk; packages and unresolvable paths are no part of the graph. */
function resolveRelative(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), specifier);
  return [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, path.join(base, 'index.ts')].find((f) => /\.[cm]?[jt]s$/.test(f) && existsSync(f));
}

/** The shortest import path from `start` back to `goal`, or undefined when there is none. */
function pathBack(start: string, goal: string): string[] | undefined {
  const cameFrom = new Map<string, string | null>([[start, null]]);
  const queue = [start];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    if (file === goal) {
      const route: string[] = [];
      for (let at: string | null | undefined = file; at; at = cameFrom.get(at)) route.unshift(at);
      return route;
    }
    for (const next of importsOf(file)) {
      if (!cameFrom.has(next)) {
        cameFrom.set(next, file);
        queue.push(next);
      }
    }
  }
  return undefined;
}

export const noImportCycle: Rule.RuleModule = {
  meta: {
    type: 'problem',
    docs: { description: 'forbid import cycles between project modules, type-only imports included' },
    messages: { cycle: 'Import cycle: {{route}}' },
    schema: [],
  },
  create(context) {
    const file = context.physicalFilename;
    // Each lint run reads the files as they are now: an editor's long-lived process must not keep old imports.
    importsCache.delete(file);
    const check = (node: Rule.Node & { source?: unknown }) => {
      const specifier = (node.source as { value?: unknown } | null | undefined)?.value;
      if (typeof specifier !== 'string') return;
      const target = resolveRelative(file, specifier);
      const route = target && pathBack(target, file);
      if (!route) return;
      const relative = [file, ...route].map((f) => path.relative(context.cwd, f));
      context.report({ node, messageId: 'cycle', data: { route: relative.join(' -> ') } });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};
