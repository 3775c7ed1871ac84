import type { CreditSummary } from '../../core/credits/index.ts';
import type { CreditPackageView } from '../../core/credits/index.ts';
import { reply, type Feature } from '../feature.ts';
import { creditsLine } from '../format.ts';
import { requireMember, type MemberViewer } from '../guards.ts';
import { button, header, row, screen, text } from '../ui.ts';
import type { Viewer } from '../context.ts';
import type { View } from '../view.ts';

// The member's credits (docs/design.md §12): the balance with their coach, and the coach's packages.

/** The member's credits with their coach; null for a member without a coach. Never fails a screen it is shown on. */
export async function creditsOf(v: Viewer, memberId?: string): Promise<CreditSummary | null> {
  if (!v.actor) return null;
  return v.core.credits.summary(v.actor, memberId).catch(() => null);
}

async function creditsScreen(v: MemberViewer): Promise<View> {
  const summary = await creditsOf(v);
  const packages = v.account.coachId ? await v.core.credits.listPackages(v.actor, v.account.coachId).catch(() => []) : [];
  return drawCredits(v, summary, packages);
}

export function drawCredits(v: Viewer, c: CreditSummary | null, packages: readonly Pick<CreditPackageView, 'name' | 'sessions' | 'validityDays'>[]): View {
  const line = creditsLine(c, v.zone);
  return screen('Your credits', [
    header('Your credits'),
    text(
      line ?? 'Your coach does not require credits: booking is free.',
      c && c.reserved > 0 ? `${c.reserved} held by upcoming session${c.reserved === 1 ? '' : 's'}.` : '',
      c?.requiresCredits ? 'Credits are granted by your coach.' : '',
    ),
    packages.length ? text('Packages:', ...packages.slice(0, 10).map((p) => `• ${p.name}: ${p.sessions} sessions, valid ${p.validityDays} days`)) : null,
    row(button('Book', v.act('bk'), 'primary'), button('My sessions', v.act('ms'))),
  ]);
}

export const credits: Feature = {
  commands: {
    credits: { description: 'Your session credits', audience: 'member', run: async (ctx) => [reply(await creditsScreen(requireMember(ctx)))] },
  },
};
