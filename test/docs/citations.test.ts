import { describe, expect, it } from 'vitest';
import { brokenCitations, existsIn, indexDocs, propertyFindings, repositoryFiles, type DocsIndex, type SourceFile } from './citations.ts';

// Code, tests and docs cite only what the repository has: docs/design.md's numbered sections,
// docs/properties.md's properties, files that exist. Other helpers add comments all the time, so
// this runs over the whole tree, not over a list.

const root = process.cwd();
const files = repositoryFiles(root);
const docs = indexDocs(files, existsIn(root));
const describeFindings = (findings: { path: string; line: number; problem: string }[]) => findings.map((f) => `${f.path}:${f.line} ${f.problem}`);

describe('citations', () => {
  it('every cited document, section and property exists', () => {
    expect(describeFindings(files.flatMap((f) => brokenCitations(f, docs)))).toEqual([]);
  });

  it('every property 1..64 is listed with the files of its tagged tests, each running 100 times at least', () => {
    expect(describeFindings(propertyFindings(files.filter((f) => f.path.startsWith('test/')), docs))).toEqual([]);
  });

  it('the design document has its sections and the property list all 64', () => {
    expect([...(docs.sections.get('docs/design.md') ?? [])]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(docs.properties.size).toBe(64);
  });
});

describe('the checker', () => {
  const problemsOf = (text: string, path = 'src/core/example.ts', index: DocsIndex = docs) => brokenCitations({ path, text }, index).map((f) => f.problem);

  it('refuses a made-up section, document or property, and a design document kept elsewhere', () => {
    expect(problemsOf('// the rule (docs/design.md §3, §99)')).toEqual(['cites docs/design.md §99, which has no such section']);
    expect(problemsOf('// see docs/nowhere.md §1')).toEqual(['names docs/nowhere.md, which the repository does not have']);
    expect(problemsOf('// Property 65 says so')).toEqual(['cites Property 65, which docs/properties.md does not list']);
    expect(problemsOf('// Properties 61, 62 and 70')).toEqual(['cites Property 70, which docs/properties.md does not list']);
    const elsewhere = ['ARCHI', 'TECTURE §5'].join('');
    expect(problemsOf(`// the outbox (${elsewhere})`)).toEqual([
      'cites §5 of no document: write docs/<file>.md §5',
      `cites "${elsewhere.split(' ')[0]}", a document the repository does not have`,
    ]);
    expect(problemsOf(`// fakes (${['PLATFORMS', 'md'].join('.')})`)).toEqual(['names PLATFORMS.md, which the repository does not have']);
  });

  it('accepts real citations, standards and issues, and a document citing its own sections', () => {
    expect(problemsOf('// docs/design.md §3 and §5; docs/properties.md, Property 12; Properties 61, 62, 63')).toEqual([]);
    expect(problemsOf('// RFC 5545 §3.8.7.2 and issue 15 §1; see README.md and docs/operations.md')).toEqual([]);
    expect(problemsOf('As §3 says', 'docs/design.md')).toEqual([]);
    expect(problemsOf('As §99 says', 'docs/design.md')).toEqual(['cites §99, which docs/design.md does not have']);
  });

  it('refuses a property tag under another name, without a listed file or without 100 runs', () => {
    const tag = (n: number, name: string, runs: number) => `// Feature: coaching-platform, Property ${n}: ${name}\nit('x', () => fc.assert(p, { numRuns: ${runs} }));\n`;
    const listed = new Map([...docs.properties].map(([n, p]) => [n, { ...p, testedIn: n === 1 ? ['test/fake.test.ts'] : p.testedIn }]));
    const index: DocsIndex = { ...docs, properties: listed };
    const fake: SourceFile = { path: 'test/fake.test.ts', text: tag(1, 'Member Profile Auto-Creation', 100) + tag(2, 'Coach Data Isolation', 10) + tag(3, 'Wrong Name', 100) };
    const rest = files.filter((f) => f.path.startsWith('test/') && f.path !== 'test/core/users.test.ts');
    expect(describeFindings(propertyFindings([fake, ...rest], index)).sort()).toEqual(
      [
        "test/fake.test.ts:3 Property 2's test runs no fast-check property with numRuns >= 100",
        'test/fake.test.ts:5 tags Property 3 as "Wrong Name"; docs/properties.md names it "Admin Full Visibility"',
        `docs/properties.md:1 Property 2 lists ${docs.properties.get(2)!.testedIn.join(', ')}; its tags are in ${[...docs.properties.get(2)!.testedIn, 'test/fake.test.ts'].sort().join(', ')}`,
        `docs/properties.md:1 Property 3 lists ${docs.properties.get(3)!.testedIn.join(', ')}; its tags are in ${[...docs.properties.get(3)!.testedIn, 'test/fake.test.ts'].sort().join(', ')}`,
        'docs/properties.md:1 Property 6 has no tagged test',
      ].sort(),
    );
  });
});
