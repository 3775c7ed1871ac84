import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { Prisma, type CreditEntryModel, type CreditPackageModel, type DbTx } from '../../db/client.ts';
import { hasPermission, isAdmin, requireAdmin, type Actor } from '../access/index.ts';
import type { CoreDeps } from '../deps.ts';
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError } from '../errors.ts';
import { canManage, requireCanRead } from '../members/rules.ts';
import { COACH_LOCK_TX_OPTIONS, lockCoachCalendar } from '../scheduling/lock.ts';
import { id, parseId, parseInput } from '../validation.ts';
import { createPackageInput, grantCreditsInput, listLedgerInput, listPackagesInput } from './inputs.ts';
import type { CreatePackageInput, GrantCreditsInput, ListLedgerInput, ListPackagesInput } from './inputs.ts';
import { readLedger } from './ledger.ts';
import { adjustmentDraws, balanceOf, expiriesDue, type CreditBalance } from './rules.ts';

// Session packages and the member's credit ledger (docs/design.md §12). Every ledger write takes the
// coach lock of the ledger's coach, the lock bookings reserve under, so a grant, an expiry, an
// adjustment and a reservation never decide on a balance another is changing.

export type CreditPackageView = CreditPackageModel;
export type CreditEntryView = CreditEntryModel;

export interface CreditLedgerView extends CreditBalance {
  memberId: string;
  coachId: string;
  /** Whether the coach requires credits to book. */
  requiresCredits: boolean;
  /** Newest first, at most `limit`. */
  entries: CreditEntryView[];
}

/** What the chat shows of a member's credits with their coach. */
export interface CreditSummary extends CreditBalance {
  memberId: string;
  coachId: string;
  requiresCredits: boolean;
}

const DAY_MS = 86_400_000;
/** Members whose expired grants are settled per tick at most: the next tick takes the rest. */
const EXPIRY_BATCH = 200;

export function createCreditsService({ db, clock }: Pick<CoreDeps, 'db' | 'clock'>) {
  function requireOwnPackages(actor: Actor, coachId: string): void {
    if (hasPermission(actor, 'coaches:write') || (actor.role === 'Coach' && actor.userId === coachId)) return;
    throw new ForbiddenError('not_your_packages', "You cannot change another coach's packages");
  }

  async function requireCoach(tx: DbTx, coachId: string) {
    const coach = await tx.coachProfile.findFirst({ where: { userId: coachId, user: { role: 'Coach' } }, select: { requiresCredits: true } });
    if (!coach) throw new NotFoundError('Coach', coachId);
    return coach;
  }

  async function memberOf(memberId: string) {
    const member = await db.memberProfile.findUnique({ where: { id: memberId }, select: { id: true, userId: true, coachId: true } });
    if (!member) throw new NotFoundError('Member', memberId);
    return member;
  }

  async function ledgerView(tx: DbTx, memberId: string, coachId: string, limit: number): Promise<CreditLedgerView> {
    const [entries, coach, recent] = await Promise.all([
      readLedger(tx, memberId, coachId),
      tx.coachProfile.findUnique({ where: { userId: coachId }, select: { requiresCredits: true } }),
      tx.creditEntry.findMany({ where: { memberId, coachId }, orderBy: [{ at: 'desc' }, { createdAt: 'desc' }, { id: 'desc' }], take: limit }),
    ]);
    return { memberId, coachId, requiresCredits: coach?.requiresCredits ?? false, ...balanceOf(entries, clock.now()), entries: recent };
  }

  /** Settles the expired grants of one member with one coach, under the coach lock; returns the entries written. */
  async function expireFor(memberId: string, coachId: string): Promise<number> {
    return db.$transaction(async (tx) => {
      await lockCoachCalendar(tx, coachId);
      const now = clock.now();
      const due = expiriesDue(await readLedger(tx, memberId, coachId), now);
      if (due.length === 0) return 0;
      await tx.creditEntry.createMany({
        data: due.map((d) => ({ id: randomUUID(), memberId, coachId, kind: 'expire' as const, amount: d.amount, grantId: d.grantId, at: now, reason: 'validity ended' })),
      });
      return due.length;
    }, COACH_LOCK_TX_OPTIONS);
  }

  return {
    /** A coach's new package (the coach themself, or coaches:write). */
    async createPackage(actor: Actor, coachId: string, raw: CreatePackageInput): Promise<CreditPackageView> {
      const coach = parseId(coachId, 'coachId');
      const input = parseInput(createPackageInput, raw);
      requireOwnPackages(actor, coach);
      await requireCoach(db, coach);
      return db.creditPackage.create({ data: { coachId: coach, ...input } });
    },

    /** A coach's packages, oldest first; archived ones only when asked. Their members may see them too. */
    async listPackages(actor: Actor, coachId: string, raw: ListPackagesInput = {}): Promise<CreditPackageView[]> {
      const coach = parseId(coachId, 'coachId');
      const input = parseInput(listPackagesInput, raw);
      if (!isAdmin(actor) && actor.userId !== coach) {
        const mine = await db.memberProfile.findFirst({ where: { userId: actor.userId, coachId: coach }, select: { id: true } });
        if (!mine) throw new ForbiddenError('not_your_packages', "You cannot see another coach's packages");
      }
      await requireCoach(db, coach);
      return db.creditPackage.findMany({
        where: { coachId: coach, ...(input.includeArchived ? {} : { archivedAt: null }) },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      });
    },

    /** Archives a package: nothing more is granted from it; credits granted before stay. Archiving twice is a no-op. */
    async archivePackage(actor: Actor, coachId: string, packageId: string): Promise<CreditPackageView> {
      const coach = parseId(coachId, 'coachId');
      const pkgId = parseId(packageId, 'packageId');
      requireOwnPackages(actor, coach);
      const pkg = await db.creditPackage.findFirst({ where: { id: pkgId, coachId: coach } });
      if (!pkg) throw new NotFoundError('Package', pkgId);
      if (pkg.archivedAt) return pkg;
      await db.creditPackage.updateMany({ where: { id: pkgId, archivedAt: null }, data: { archivedAt: clock.now() } });
      return db.creditPackage.findUniqueOrThrow({ where: { id: pkgId } });
    },

    /** The member's ledger with a coach (their current one unless named), newest first, with the balance. */
    async listLedger(actor: Actor, memberId: string, raw: ListLedgerInput = {}): Promise<CreditLedgerView> {
      const member = await memberOf(parseId(memberId, 'memberId'));
      const input = parseInput(listLedgerInput, raw);
      requireCanRead(actor, member);
      const coachId = input.coachId ?? member.coachId;
      if (!coachId) throw new UnprocessableError('member_has_no_coach', 'The member has no coach: name a coachId');
      if (!isAdmin(actor) && actor.role === 'Coach' && actor.userId !== coachId) {
        throw new ForbiddenError('not_your_member', "You cannot see this member's credits with another coach");
      }
      return ledgerView(db, member.id, coachId, input.limit);
    },

    /**
     * Grants credits: from a package of the coach's (its sessions, valid its days), or a count (valid
     * `validityDays`, or for ever), with a reason; or, for an admin, an adjustment (a signed count
     * with a reason; a downward one is taken from the oldest live grants and never below zero). The
     * member's coach (with members:write) grants their own credits; an admin anyone's.
     */
    async grant(actor: Actor, memberId: string, raw: GrantCreditsInput): Promise<CreditLedgerView> {
      const member = await memberOf(parseId(memberId, 'memberId'));
      const input = parseInput(grantCreditsInput, raw);
      if (!canManage(actor, member)) {
        if (actor.userId === member.userId) throw new ForbiddenError('missing_permission', 'Missing permission members:write', { permission: 'members:write' });
        requireCanRead(actor, member);
        throw new ForbiddenError('not_your_member', 'Only the member’s coach or an admin can grant credits');
      }
      if (input.adjust !== undefined) requireAdmin(actor);
      const coachId = input.coachId ?? member.coachId;
      if (!coachId) throw new UnprocessableError('member_has_no_coach', 'The member has no coach: name a coachId');
      if (!isAdmin(actor) && coachId !== actor.userId) throw new ForbiddenError('not_your_member', 'You can only grant credits with yourself');
      await db.$transaction(async (tx) => {
        await requireCoach(tx, coachId);
        await lockCoachCalendar(tx, coachId);
        const now = clock.now();
        const base = { memberId: member.id, coachId, actorId: actor.userId, at: now, reason: input.reason ?? null };
        if (input.packageId !== undefined) {
          const pkg = await tx.creditPackage.findFirst({ where: { id: input.packageId, coachId } });
          if (!pkg) throw new NotFoundError('Package', input.packageId);
          if (pkg.archivedAt) throw new UnprocessableError('package_archived', `Package ${pkg.name} is archived`);
          const grantId = randomUUID();
          await tx.creditEntry.create({
            data: { ...base, id: grantId, grantId, kind: 'grant', amount: pkg.sessions, packageId: pkg.id, expiresAt: new Date(now.getTime() + pkg.validityDays * DAY_MS) },
          });
        } else if (input.count !== undefined) {
          const grantId = randomUUID();
          const expiresAt = input.validityDays === undefined ? null : new Date(now.getTime() + input.validityDays * DAY_MS);
          await tx.creditEntry.create({ data: { ...base, id: grantId, grantId, kind: 'grant', amount: input.count, expiresAt } });
        } else if (input.adjust! > 0) {
          const grantId = randomUUID();
          await tx.creditEntry.create({ data: { ...base, id: grantId, grantId, kind: 'adjust', amount: input.adjust! } });
        } else {
          const draws = adjustmentDraws(await readLedger(tx, member.id, coachId), now, -input.adjust!);
          if (!draws) throw new ConflictError('not_enough_credits', `Fewer than ${-input.adjust!} credits are left to take away`);
          await tx.creditEntry.createMany({ data: draws.map((d) => ({ ...base, id: randomUUID(), kind: 'adjust' as const, amount: d.amount, grantId: d.grantId })) });
        }
      }, COACH_LOCK_TX_OPTIONS);
      return ledgerView(db, member.id, coachId, listLedgerInput.parse({}).limit);
    },

    /** The member's credits with their coach, for the chat; null when the member has no coach. */
    async summary(actor: Actor, memberId?: string): Promise<CreditSummary | null> {
      const member = memberId
        ? await memberOf(parseInput(z.object({ memberId: id }), { memberId }).memberId)
        : await db.memberProfile.findUnique({ where: { userId: actor.userId }, select: { id: true, userId: true, coachId: true } });
      if (!member) return null;
      requireCanRead(actor, member);
      if (!member.coachId) return null;
      const { entries: _entries, ...view } = await ledgerView(db, member.id, member.coachId, 1);
      return view;
    },

    /** Summaries of many members with one coach in one read, for reminders and lists. */
    async summariesFor(pairs: readonly { memberId: string; coachId: string }[]): Promise<Map<string, CreditSummary>> {
      const out = new Map<string, CreditSummary>();
      if (pairs.length === 0) return out;
      const rows = await db.creditEntry.findMany({
        where: { OR: pairs.map((p) => ({ memberId: p.memberId, coachId: p.coachId })) },
        orderBy: [{ at: 'asc' }, { createdAt: 'asc' }, { id: 'asc' }],
      });
      const coaches = await db.coachProfile.findMany({ where: { userId: { in: pairs.map((p) => p.coachId) } }, select: { userId: true, requiresCredits: true } });
      const now = clock.now();
      for (const p of pairs) {
        const entries = rows.filter((r) => r.memberId === p.memberId && r.coachId === p.coachId);
        const requiresCredits = coaches.find((c) => c.userId === p.coachId)?.requiresCredits ?? false;
        out.set(`${p.memberId}:${p.coachId}`, { ...p, requiresCredits, ...balanceOf(entries, now) });
      }
      return out;
    },

    /**
     * The jobs' tick: every grant past its validity with credit left gets its expire entry (oldest
     * grants were spent first, so what expires is what was spent last). Returns the entries written.
     */
    async expireDue(): Promise<number> {
      const now = clock.now();
      const owed = await db.$queryRaw<{ memberId: string; coachId: string }[]>(Prisma.sql`
        SELECT DISTINCT g."memberId", g."coachId" FROM "credit_ledger" g
        WHERE g."id" = g."grantId" AND g."amount" > 0 AND g."expiresAt" <= ${now}
          AND (SELECT sum(e."amount") FROM "credit_ledger" e WHERE e."grantId" = g."id") > 0
        LIMIT ${EXPIRY_BATCH}`);
      let written = 0;
      for (const o of owed) written += await expireFor(o.memberId, o.coachId);
      return written;
    },
  };
}

export type CreditsService = ReturnType<typeof createCreditsService>;
