import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { afterAll, describe, expect, it } from 'vitest';
import { noImportCycle } from '../../scripts/lint/no-import-cycle.ts';

// The rule `npm run lint` applies to src: a circle of imports is refused even when it is made of
// type-only imports, which the usual plugins let through.

const dir = mkdtempSync(path.join(tmpdir(), 'import-cycle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function lint(files: Record<string, string>, target: string) {
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  const linter = new Linter({ cwd: dir });
  return linter.verify(
    files[target]!,
    [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser }, plugins: { project: { rules: { 'no-import-cycle': noImportCycle } } }, rules: { 'project/no-import-cycle': 'error' } }],
    path.join(dir, target),
  );
}

describe('no-import-cycle', () => {
  it('refuses a circle made of type-only imports and names its route', () => {
    const messages = lint(
      {
        'a.ts': "import type { B } from './b.ts';\nexport type A = { b?: B };\n",
        'b.ts': "import type { A } from './a.ts';\nexport type B = { a?: A };\n",
      },
      'a.ts',
    );
    expect(messages.map((m) => m.message)).toEqual([expect.stringMatching(/^Import cycle: .*a\.ts -> .*b\.ts -> .*a\.ts$/)]);
  });

  it('follows re-exports through an index to the importer', () => {
    const messages = lint(
      {
        'index.ts': "export { service } from './service.ts';\nexport interface Deps { n: number }\n",
        'service.ts': "import type { Deps } from './index.ts';\nexport const service = (d: Deps) => d.n;\n",
      },
      'service.ts',
    );
    expect(messages.map((m) => m.message)).toEqual([expect.stringMatching(/^Import cycle: .*service\.ts -> .*index\.ts -> .*service\.ts$/)]);
  });

  it('lets a one-way chain through', () => {
    const messages = lint(
      {
        'deps.ts': 'export interface Deps { n: number }\n',
        'user.ts': "import type { Deps } from './deps.ts';\nexport const use = (d: Deps) => d.n;\n",
      },
      'user.ts',
    );
    expect(messages).toEqual([]);
  });
});
