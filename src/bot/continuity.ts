import type { CommitmentView, LastTimeView } from '../core/sessions/index.ts';
import { packId } from './compact.ts';
import type { Viewer } from './context.ts';
import { dayLabel } from './format.ts';
import { option, row, select, text } from './ui.ts';
import type { Block } from './view.ts';

// "Last time:" — what the previous session left behind, on the next session's reminders, the
// member's /next and the coach's session card. Core decides what each reader may see
// (viewLastTime): a member's copy carries no private notes, and these screens draw a coach's notes
// and the rating only for a coach, so a member's screen never shows them whatever it is given.

/** One commitment as a line: "☐ Walk daily (due 2026-12-20)", "✓ Walk daily". */
export function commitmentLine(c: CommitmentView): string {
  return `${c.doneAt ? '✓' : '☐'} ${c.text}${c.dueDate && !c.doneAt ? ` (due ${c.dueDate})` : ''}`;
}

/** "2 of 3 done". */
export function progressOf(commitments: readonly CommitmentView[]): string {
  return `${commitments.filter((c) => c.doneAt).length} of ${commitments.length} done`;
}

/**
 * The commitments of a session, with (for its member) a menu to mark an open one done. Empty when
 * it has none.
 */
export function commitmentBlocks(v: Viewer, title: string, commitments: readonly CommitmentView[], o: { doneButtons: boolean }): Block[] {
  if (!commitments.length) return [];
  const open = commitments.filter((c) => !c.doneAt);
  return [
    text(`${title} (${progressOf(commitments)}):`, ...commitments.map(commitmentLine)),
    ...(o.doneButtons && open.length ? [row(select('Mark one done ✓', open.map((c) => option(`Done ✓ ${c.text}`, v.act('cd', packId(c.id))))))] : []),
  ];
}

/**
 * "Last time:" for a viewer. `forCoach` adds the coach's own notes and the member's rating when
 * core gave them (only to that session's coach or an admin); a member gets the commitments, with
 * the menu to mark one done when `doneButtons`.
 */
export function lastTimeBlocks(v: Viewer, last: LastTimeView | null, o: { forCoach: boolean; doneButtons?: boolean }): Block[] {
  if (!last) return [];
  const title = `Last time (${dayLabel(last.scheduledAt, v.zone)}${o.forCoach ? '' : `, with ${last.coachName}`})`;
  const privateLines = o.forCoach
    ? [
        last.coachNotes ? `Your notes: ${last.coachNotes}` : '',
        typeof last.rating === 'number' ? `Their rating: ${'★'.repeat(last.rating)}${last.ratingFeedback ? ` — ${last.ratingFeedback}` : ''}` : '',
      ].filter(Boolean)
    : [];
  const commitments = commitmentBlocks(v, `${title}: commitments`, last.commitments, { doneButtons: !o.forCoach && (o.doneButtons ?? false) });
  if (!commitments.length && !privateLines.length) return [text(`${title}: no commitments recorded.`)];
  return [...commitments, ...(privateLines.length ? [text(...(commitments.length ? [] : [`${title}:`]), ...privateLines)] : [])];
}
