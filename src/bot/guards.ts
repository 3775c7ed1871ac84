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

export function requireMember(v: Viewer): MemberViewer {
  if (!v.account || !v.actor) throw new Refusal(ACTION_SENTENCES.signUpFirst);
  if (!v.account.memberId) throw new Refusal(ACTION_SENTENCES.membersOnly);
  return v as MemberViewer;
}

export function requireCoach(v: Viewer): CoachViewer {
  if (!v.account || !v.actor) throw new Refusal(ACTION_SENTENCES.signUpFirst);
  if (v.account.role !== 'Coach' && v.account.role !== 'Admin') throw new Refusal(ACTION_SENTENCES.coachesOnly);
  return v as CoachViewer;
}

export function requireAccount(v: Viewer): CoachViewer {
  if (!v.account || !v.actor) throw new Refusal(ACTION_SENTENCES.signUpFirst);
  return v as CoachViewer;
}
