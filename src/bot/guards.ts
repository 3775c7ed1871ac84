import type { Actor } from '../core/index.ts';
import type { ChatAccount } from '../core/chat/index.ts';
import { Refusal, type Viewer } from './context.ts';
import { ACTION_SENTENCES } from './errors.ts';

export interface MemberViewer extends Viewer {
  account: ChatAccount & { memberId: string };
  actor: Actor;
}

export interface CoachViewer extends Viewer {
  account: ChatAccount;
  actor: Actor;
}

/** Why an account may not do what is `for` members, coaches or anyone; null when it may. */
export function refusalFor(account: ChatAccount | null, audience: 'anyone' | 'member' | 'coach'): string | null {
  if (audience === 'anyone') return null;
  if (!account?.isActive) return ACTION_SENTENCES.signUpFirst;
  if (audience === 'member' && !account.memberId) return ACTION_SENTENCES.membersOnly;
  if (audience === 'coach' && account.role !== 'Coach' && account.role !== 'Admin') return ACTION_SENTENCES.coachesOnly;
  return null;
}

function require(v: Viewer, audience: 'member' | 'coach'): void {
  const refusal = v.actor ? refusalFor(v.account, audience) : ACTION_SENTENCES.signUpFirst;
  if (refusal) throw new Refusal(refusal);
}

export function requireMember(v: Viewer): MemberViewer {
  require(v, 'member');
  return v as MemberViewer;
}

export function requireCoach(v: Viewer): CoachViewer {
  require(v, 'coach');
  return v as CoachViewer;
}

export function requireAccount(v: Viewer): CoachViewer {
  if (!v.account || !v.actor) throw new Refusal(ACTION_SENTENCES.signUpFirst);
  return v as CoachViewer;
}
