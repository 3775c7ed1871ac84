// A strict reader of Prometheus's text exposition format (0.0.4), as a scraper would read /metrics:
// any line it does not understand, a sample before its family's TYPE, a family split in two, a
// duplicate series or an inconsistent histogram is an error rather than something skipped.

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: MetricType;
  help?: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function fail(lineNo: number, line: string, why: string): never {
  throw new Error(`exposition line ${lineNo}: ${why}: ${JSON.stringify(line)}`);
}

/** A float as Prometheus reads it (Go's ParseFloat: NaN and Inf in any case; prom-client writes `Nan`). */
function parseValue(text: string): number | null {
  if (/^nan$/i.test(text)) return Number.NaN;
  const inf = /^([-+]?)inf(inity)?$/i.exec(text);
  if (inf) return inf[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : null;
}

/** Label pairs from just after `{` to the closing `}`; answers the labels and where the rest starts. */
function parseLabels(line: string, start: number, lineNo: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start;
  while (line[i] !== '}') {
    const eq = line.indexOf('=', i);
    if (eq < 0) fail(lineNo, line, 'label without "="');
    const name = line.slice(i, eq);
    if (!LABEL_NAME.test(name)) fail(lineNo, line, `bad label name ${name}`);
    if (name in labels) fail(lineNo, line, `label ${name} twice`);
    if (line[eq + 1] !== '"') fail(lineNo, line, 'label value not quoted');
    let value = '';
    let j = eq + 2;
    for (;;) {
      const c = line[j];
      if (c === undefined) fail(lineNo, line, 'unterminated label value');
      if (c === '"') break;
      if (c === '\\') {
        const next = line[j + 1];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else fail(lineNo, line, 'bad escape in label value');
        j += 2;
      } else {
        value += c;
        j += 1;
      }
    }
    labels[name] = value;
    i = j + 1;
    if (line[i] === ',') i += 1;
    else if (line[i] !== '}') fail(lineNo, line, 'expected "," or "}" after a label');
  }
  return { labels, end: i + 1 };
}

/** The family a sample name belongs to, given the families declared so far. */
function familyOf(name: string, families: Map<string, Family>): Family | undefined {
  const exact = families.get(name);
  if (exact && exact.type !== 'histogram') return exact;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const base = families.get(name.slice(0, -suffix.length));
    if (base?.type === 'histogram' || (base?.type === 'summary' && suffix !== '_bucket')) return base;
  }
  return exact;
}

const seriesKey = (s: Sample) => `${s.name}{${Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;

function checkHistogram(family: Family): void {
  const groups = new Map<string, { buckets: { le: number; value: number }[]; count?: number }>();
  for (const s of family.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const group = groups.get(key) ?? { buckets: [] };
    groups.set(key, group);
    if (s.name.endsWith('_bucket')) {
      const bound = le === undefined ? null : parseValue(le);
      if (bound === null) throw new Error(`${family.name}: a bucket without a numeric le`);
      group.buckets.push({ le: bound, value: s.value });
    } else if (s.name.endsWith('_count')) group.count = s.value;
  }
  for (const group of groups.values()) {
    const buckets = [...group.buckets].sort((a, b) => a.le - b.le);
    for (let i = 1; i < buckets.length; i += 1) {
      if (buckets[i]!.value < buckets[i - 1]!.value) throw new Error(`${family.name}: buckets are not cumulative`);
    }
    const inf = buckets.at(-1);
    if (!inf || inf.le !== Number.POSITIVE_INFINITY) throw new Error(`${family.name}: no +Inf bucket`);
    if (inf.value !== group.count) throw new Error(`${family.name}: the +Inf bucket differs from _count`);
  }
}

/** The families of an exposition by name; throws on anything a strict scraper would refuse. */
export function parseExposition(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('an exposition ends with a line feed');
  const families = new Map<string, Family>();
  const finished = new Set<string>();
  let current: Family | undefined;
  const seen = new Set<string>();
  text
    .slice(0, -1)
    .split('\n')
    .forEach((line, index) => {
      const lineNo = index + 1;
      if (line.trim() === '') return;
      if (line.startsWith('#')) {
        const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
        if (!m) return; // a plain comment
        const [, kind, name, rest] = m as unknown as [string, 'HELP' | 'TYPE', string, string];
        if (!NAME.test(name)) fail(lineNo, line, 'bad metric name');
        if (finished.has(name)) fail(lineNo, line, 'family continued after another began');
        let family = families.get(name);
        if (!family) {
          family = { name, type: 'untyped', samples: [] };
          families.set(name, family);
        }
        if (current && current !== family) finished.add(current.name);
        current = family;
        if (kind === 'TYPE') {
          if (family.samples.length) fail(lineNo, line, 'TYPE after samples');
          if (!TYPES.has(rest as MetricType)) fail(lineNo, line, 'unknown type');
          family.type = rest as MetricType;
        } else {
          if (family.help !== undefined) fail(lineNo, line, 'HELP twice');
          family.help = rest;
        }
        return;
      }
      const nameEnd = line.search(/[{ ]/);
      if (nameEnd <= 0) fail(lineNo, line, 'not a sample');
      const name = line.slice(0, nameEnd);
      if (!NAME.test(name)) fail(lineNo, line, 'bad metric name');
      let labels: Record<string, string> = {};
      let rest = nameEnd;
      if (line[nameEnd] === '{') ({ labels, end: rest } = parseLabels(line, nameEnd + 1, lineNo));
      if (line[rest] !== ' ') fail(lineNo, line, 'expected a space before the value');
      const parts = line.slice(rest + 1).split(' ');
      if (parts.length > 2 || (parts[1] !== undefined && !/^-?\d+$/.test(parts[1]))) fail(lineNo, line, 'expected a value and an optional timestamp');
      const value = parseValue(parts[0]!);
      if (value === null) fail(lineNo, line, 'bad value');
      const family = familyOf(name, families);
      if (!family) fail(lineNo, line, 'sample before its TYPE');
      if (family !== current || finished.has(family.name)) fail(lineNo, line, 'sample outside its family group');
      const sample = { name, labels, value };
      const key = seriesKey(sample);
      if (seen.has(key)) fail(lineNo, line, 'duplicate series');
      seen.add(key);
      family.samples.push(sample);
    });
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

/** The value of the one sample named so with exactly these labels (undefined when absent). */
export function valueOf(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  const family = familyOf(name, families);
  const want = seriesKey({ name, labels, value: 0 });
  return family?.samples.find((s) => seriesKey(s) === want)?.value;
}
