import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

// What the repository cites must exist in it: `docs/<file>.md §N` names a numbered section of a
// file in docs/, `Property N` a property of docs/properties.md, and a `<name>.md` a file here.
// A section sign that cites nothing the repository has (a design document kept elsewhere) is a
// finding too. Pure over the files' text, so the test can also feed it made-up citations.

export interface SourceFile {
  /** Path from the repository root, with forward slashes. */
  path: string;
  text: string;
}

export interface Finding {
  path: string;
  line: number;
  problem: string;
}

/** Sections (`## §N ...`) and properties (`## Property N: name`) of each file in docs/. */
export interface DocsIndex {
  sections: ReadonlyMap<string, ReadonlySet<number>>;
  properties: ReadonlyMap<number, { name: string; testedIn: string[] }>;
  /** Every file in the repository the scan may see cited, by path from the root. */
  exists(path: string): boolean;
}

export const PROPERTIES_FILE = 'docs/properties.md';
export const PROPERTY_COUNT = 64;
export const PROPERTY_TAG = /\/\/ Feature: coaching-platform, Property (\d+): (.+?)\s*$/gm;

const DOCS_CITATION = /docs\/([\w.-]+\.md)((?:(?:,\s*|\s+and\s+|\s+)§\d+)*)/g;
const SECTION_SIGN = /§(\d+)/g;
/** Sections of documents from outside the repository that may be cited: standards and the issue tracker. */
const OUTSIDE_SECTION = /\b(?:RFC \d+|[Ii]ssue \d+) (?:§\d+(?:\.\d+)*)/g;
const MD_MENTION = /(?<![\w/.-])([\w./-]*[\w-]\.md)\b/g;
const PROPERTY_MENTION = /\bPropert(?:y|ies) (\d+(?:(?:,\s*|\s+and\s+|\s*[-–]\s*)\d+)*)/g;
/** Names of design documents that lived outside the repository. */
const GONE_DOCUMENTS = /\bARCHITECTURE\b|\bSTYLE(?:\.md)?\s*[§,]|\bshared\/docs\b|\bseed (?:spec|Property)\b/g;

const lineOf = (text: string, index: number) => text.slice(0, index).split('\n').length;

export function indexDocs(files: readonly SourceFile[], exists: (path: string) => boolean): DocsIndex {
  const sections = new Map<string, Set<number>>();
  const properties = new Map<number, { name: string; testedIn: string[] }>();
  for (const f of files.filter((x) => x.path.startsWith('docs/'))) {
    sections.set(f.path, new Set([...f.text.matchAll(/^#{1,6} §(\d+)\b/gm)].map((m) => Number(m[1]))));
    if (f.path !== PROPERTIES_FILE) continue;
    for (const block of f.text.split(/^(?=## Property \d+:)/m).slice(1)) {
      const head = /^## Property (\d+): (.+)$/m.exec(block)!;
      const testedIn = [.../^Tested in (.+)\.$/m.exec(block)?.[1]?.matchAll(/`([^`]+)`/g) ?? []].map((m) => m[1]!);
      properties.set(Number(head[1]), { name: head[2]!.trim(), testedIn });
    }
  }
  return { sections, properties, exists };
}

/** Every `§`, `.md` and `Property` citation in `file` that names nothing in the repository. */
export function brokenCitations(file: SourceFile, docs: DocsIndex): Finding[] {
  const findings: Finding[] = [];
  const report = (index: number, problem: string) => findings.push({ path: file.path, line: lineOf(file.text, index), problem });
  const cited = new Set<number>();
  const claim = (start: number, text: string) => {
    for (const s of text.matchAll(SECTION_SIGN)) cited.add(start + s.index);
  };

  for (const m of file.text.matchAll(DOCS_CITATION)) {
    const doc = `docs/${m[1]}`;
    claim(m.index, m[0]);
    // A file that does not exist is reported once, as a name (below).
    if (!docs.exists(doc)) continue;
    for (const s of (m[2] ?? '').matchAll(SECTION_SIGN)) {
      if (!docs.sections.get(doc)?.has(Number(s[1]))) report(m.index, `cites ${doc} §${s[1]}, which has no such section`);
    }
  }
  for (const m of file.text.matchAll(OUTSIDE_SECTION)) claim(m.index, m[0]);
  const ownSections = docs.sections.get(file.path);
  for (const s of file.text.matchAll(SECTION_SIGN)) {
    if (cited.has(s.index)) continue;
    // Inside a document of docs/, a bare §N is one of its own sections.
    if (ownSections) {
      if (!ownSections.has(Number(s[1]))) report(s.index, `cites §${s[1]}, which ${file.path} does not have`);
    } else report(s.index, `cites §${s[1]} of no document: write docs/<file>.md §${s[1]}`);
  }

  for (const m of file.text.matchAll(MD_MENTION)) {
    const name = m[1]!;
    const candidates = [name, posix.join('docs', name), posix.join(posix.dirname(file.path), name)];
    if (!candidates.some((c) => docs.exists(posix.normalize(c)))) report(m.index, `names ${name}, which the repository does not have`);
  }
  for (const m of file.text.matchAll(GONE_DOCUMENTS)) report(m.index, `cites "${m[0].trim()}", a document the repository does not have`);

  for (const m of file.text.matchAll(PROPERTY_MENTION)) {
    for (const n of m[1]!.split(/,|and|[-–]/).map((x) => Number(x.trim()))) {
      if (!docs.properties.has(n)) report(m.index, `cites Property ${n}, which ${PROPERTIES_FILE} does not list`);
    }
  }
  return findings;
}

/** Tags against docs/properties.md: every property tagged under its own name, in the files it lists, with 100 runs at least. */
export function propertyFindings(tests: readonly SourceFile[], docs: DocsIndex): Finding[] {
  const findings: Finding[] = [];
  const taggedIn = new Map<number, Set<string>>();
  for (const f of tests) {
    const tags = [...f.text.matchAll(PROPERTY_TAG)];
    tags.forEach((m, i) => {
      const n = Number(m[1]);
      const report = (problem: string) => findings.push({ path: f.path, line: lineOf(f.text, m.index), problem });
      const listed = docs.properties.get(n);
      if (!listed) return report(`tags Property ${n}, which ${PROPERTIES_FILE} does not list`);
      if (listed.name !== m[2]) report(`tags Property ${n} as "${m[2]}"; ${PROPERTIES_FILE} names it "${listed.name}"`);
      (taggedIn.get(n) ?? taggedIn.set(n, new Set()).get(n)!).add(f.path);
      // The test a tag heads runs up to the next tag (or the end of the file).
      const body = f.text.slice(m.index, tags[i + 1]?.index ?? f.text.length);
      const runs = [...body.matchAll(/numRuns:\s*(\d+|FUZZ_RUNS)\b/g)].map((r) => (r[1] === 'FUZZ_RUNS' ? Infinity : Number(r[1])));
      if (!runs.some((r) => r >= 100)) report(`Property ${n}'s test runs no fast-check property with numRuns >= 100`);
    });
  }
  for (let n = 1; n <= PROPERTY_COUNT; n++) {
    const listed = docs.properties.get(n);
    const tagged = [...(taggedIn.get(n) ?? [])].sort();
    if (!listed) findings.push({ path: PROPERTIES_FILE, line: 1, problem: `does not list Property ${n}` });
    else if (tagged.length === 0) findings.push({ path: PROPERTIES_FILE, line: 1, problem: `Property ${n} has no tagged test` });
    else if (JSON.stringify([...listed.testedIn].sort()) !== JSON.stringify(tagged)) {
      findings.push({ path: PROPERTIES_FILE, line: 1, problem: `Property ${n} lists ${listed.testedIn.join(', ')}; its tags are in ${tagged.join(', ')}` });
    }
  }
  return findings;
}

const SCANNED_DIRS = ['src', 'test', 'docs'];
const SCANNED_FILES = ['README.md', 'eslint.config.js'];
// The checker and its test talk about citations (and make bad ones on purpose) rather than cite.
const SKIPPED = [/^src\/db\/generated\//, /^test\/api\/typed-client\//, /^test\/docs\/citations(\.test)?\.ts$/];

/** The repository's own text that may cite: src, test, docs, the README and the lint rules. */
export function repositoryFiles(root: string): SourceFile[] {
  const paths = [
    ...SCANNED_DIRS.flatMap((dir) =>
      readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && /\.(ts|js|mjs|md)$/.test(e.name))
        .map((e) => posix.join(...join(e.parentPath, e.name).slice(root.length + 1).split(/[\\/]/))),
    ),
    ...SCANNED_FILES,
  ];
  return paths.filter((p) => !SKIPPED.some((s) => s.test(p))).map((path) => ({ path, text: readFileSync(join(root, path), 'utf8') }));
}

export const existsIn = (root: string) => (path: string) => !path.startsWith('..') && existsSync(join(root, path));
