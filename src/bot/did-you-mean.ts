// A mistyped command ("/bok") is answered with the closest real one rather than the whole help:
// the person meant something, and one suggestion is quicker to act on than a list.

/** Edits (insert, delete, substitute, swap of neighbours) that turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The known name closest to `typed`, when it is close enough to be a slip (at most 2 edits, fewer for short names). */
export function closestName(typed: string, names: readonly string[]): string | null {
  let best: { name: string; distance: number } | null = null;
  for (const name of names) {
    const distance = editDistance(typed, name);
    if (!best || distance < best.distance) best = { name, distance };
  }
  if (!best) return null;
  const allowed = Math.min(2, Math.floor(Math.max(typed.length, best.name.length) / 3));
  return best.distance <= allowed ? best.name : null;
}

/** The answer to a command the bot does not know. */
export function unknownCommandSentence(typed: string, names: readonly string[]): string {
  // Only letters, digits, _ and - are echoed: the answer is stored and shown, and a control
  // character or a lone surrogate is neither storable nor readable.
  const clean = typed.replace(/[^\p{L}\p{N}_-]/gu, '').slice(0, 32);
  if (!clean) return 'Unknown command. Try /help.';
  const suggestion = closestName(clean, names);
  return suggestion ? `Unknown command /${clean}. Did you mean /${suggestion}?` : `Unknown command /${clean}. Try /help.`;
}
