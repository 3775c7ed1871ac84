import type { CommitmentInput } from '../core/sessions/index.ts';

// The commitments a coach types into the "Complete session" form: one per line, each optionally
// ending in its due day ("Walk 20 min daily by 2026-12-20", or "... due 2026-12-20"). Blank lines
// and list bullets are left out; core checks each item (length, a real date) and names the one
// it refuses, so a typo comes back as a form error rather than a wrong commitment.

const DUE = /^(.*?)[\s,;:–—-]*\b(?:by|due)\s*:?\s*(\d{4}-\d{2}-\d{2})\s*$/i;
const BULLET = /^\s*(?:[-*•☐]|\d+[.)])\s+/;

export function parseCommitments(typed: string): CommitmentInput[] {
  return typed
    .split(/\r?\n/)
    .map((line) => line.replace(BULLET, '').trim())
    .filter((line) => line !== '')
    .map((line) => {
      const due = DUE.exec(line);
      return due && due[1]!.trim() ? { text: due[1]!.trim(), dueDate: due[2]! } : { text: line };
    });
}
