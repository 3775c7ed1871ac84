import { z } from 'zod';
import type { Db, DbTx } from '../../db/client.ts';
import { isAdmin, requireAdmin, type AccessService, type Actor } from '../access/index.ts';
import type { Clock } from '../clock.ts';
import { ForbiddenError, NotFoundError, UnauthorizedError, UnprocessableError, ValidationError } from '../errors.ts';
import { pageArgs, pageInput, toPage, type Page } from '../pagination.ts';
import { id, instant, parseInput, singleLine } from '../validation.ts';
import { findUserByRef } from '../users/index.ts';
import { generateToken, hashToken, LAST_USED_RESOLUTION_MS, lastUsedIsStale, TOKEN_MARK, tokenPrefix } from './rules.ts';

/** A token as listings show it: everything but the secret, which is never stored. */
export interface TokenView {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

/** A token just created: the only moment its secret exists outside its holder's hands. */
export interface IssuedToken extends TokenView {
  token: string;
}

export interface Authenticated {
  actor: Actor;
  tokenId: string;
}

const name = singleLine(100);

export const createTokenInput = z.object({
  /** Whose token; defaults to the caller. Only an admin names someone else. */
  userId: id.optional(),
  name: name.default('api'),
  expiresAt: instant.optional(),
});

export const issueTokenInput = z.object({
  /** The user's email or id. */
  user: singleLine(320),
  name: name.default('cli'),
  expiresAt: instant.optional(),
});

export const listTokensInput = pageInput.extend({
  userId: id.optional(),
  includeRevoked: z.stringbool().or(z.boolean()).default(false),
});

const VIEW = {
  id: true,
  userId: true,
  name: true,
  prefix: true,
  lastUsedAt: true,
  expiresAt: true,
  revokedAt: true,
  createdAt: true,
} as const;

/** Writes a new token in the caller's transaction and returns its secret; checks nothing. */
export async function writeToken(
  tx: DbTx,
  t: { userId: string; name: string; expiresAt: Date | null; now: Date },
): Promise<IssuedToken> {
  const token = generateToken();
  const row = await tx.apiToken.create({
    data: { userId: t.userId, name: t.name, tokenHash: hashToken(token), prefix: tokenPrefix(token), expiresAt: t.expiresAt, createdAt: t.now },
    select: VIEW,
  });
  return { ...row, token };
}

export interface TokenService {
  /** The actor a bearer token stands for; anything but a live token of an active user is a 401. */
  authenticate(token: string): Promise<Authenticated>;
  /** A token for the caller, or (admin only) for another user. */
  create(actor: Actor, input: unknown): Promise<IssuedToken>;
  /** Operator path (CLI): whoever runs it already holds the database, so there is no actor. */
  issue(input: unknown): Promise<IssuedToken>;
  list(actor: Actor, input?: unknown): Promise<Page<TokenView>>;
  /** Revokes a token of the caller's own, or any token for an admin; revoking twice is a no-op. */
  revoke(actor: Actor, tokenId: string): Promise<TokenView>;
  /** Operator path (CLI) of revoke. */
  revokeAsOperator(tokenId: string): Promise<TokenView>;
}

export function createTokenService(deps: { db: Db; clock: Clock }, access: AccessService): TokenService {
  const { db, clock } = deps;

  async function insert(userId: string, input: { name: string; expiresAt?: Date | undefined }): Promise<IssuedToken> {
    const user = await db.user.findUnique({ where: { id: userId }, select: { isActive: true } });
    if (!user) throw new NotFoundError('User', userId);
    if (!user.isActive) throw new UnprocessableError('user_inactive', 'A deactivated user cannot be given a token');
    if (input.expiresAt && input.expiresAt.getTime() <= clock.now().getTime()) {
      throw ValidationError.field('expiresAt', 'must be in the future');
    }
    return writeToken(db, { userId, name: input.name, expiresAt: input.expiresAt ?? null, now: clock.now() });
  }

  async function revokeRow(tokenId: string, allowed: (row: { userId: string }) => boolean): Promise<TokenView> {
    parseInput(z.object({ tokenId: id }), { tokenId });
    const row = await db.apiToken.findUnique({ where: { id: tokenId }, select: VIEW });
    if (!row || !allowed(row)) throw new NotFoundError('API token', tokenId);
    if (row.revokedAt) return row;
    // Conditional, so a concurrent revoke keeps the first revokedAt.
    await db.apiToken.updateMany({ where: { id: tokenId, revokedAt: null }, data: { revokedAt: clock.now() } });
    return db.apiToken.findUniqueOrThrow({ where: { id: tokenId }, select: VIEW });
  }

  return {
    async authenticate(token) {
      if (typeof token !== 'string' || !token.startsWith(TOKEN_MARK) || token.length > 200) {
        throw new UnauthorizedError('Invalid API token', 'invalid_token');
      }
      const row = await db.apiToken.findUnique({
        where: { tokenHash: hashToken(token) },
        select: { id: true, userId: true, revokedAt: true, expiresAt: true, lastUsedAt: true },
      });
      if (!row) throw new UnauthorizedError('Invalid API token', 'invalid_token');
      if (row.revokedAt) throw new UnauthorizedError('This API token was revoked', 'token_revoked');
      const now = clock.now();
      if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) {
        throw new UnauthorizedError('This API token has expired', 'token_expired');
      }
      const actor = await access.actorFor(row.userId);
      if (lastUsedIsStale(row.lastUsedAt, now)) {
        // Conditional so that many processes seeing the same stale value still write once.
        await db.apiToken.updateMany({
          where: { id: row.id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lte: new Date(now.getTime() - LAST_USED_RESOLUTION_MS) } }] },
          data: { lastUsedAt: now },
        });
      }
      return { actor, tokenId: row.id };
    },

    async create(actor, raw) {
      const input = parseInput(createTokenInput, raw);
      const userId = input.userId ?? actor.userId;
      if (userId !== actor.userId && !isAdmin(actor)) {
        throw new ForbiddenError('Only an admin can create a token for another user', 'admin_only');
      }
      return insert(userId, input);
    },

    async issue(raw) {
      const input = parseInput(issueTokenInput, raw);
      return insert(await findUserByRef(db, input.user), input);
    },

    async list(actor, raw = {}) {
      const input = parseInput(listTokensInput, raw);
      if (input.userId && input.userId !== actor.userId) requireAdmin(actor);
      const userId = isAdmin(actor) ? input.userId : actor.userId;
      // Annotated so Prisma infers one argument type rather than a union of two.
      const window: { take: number; skip?: number; cursor?: { id: string } } = pageArgs(input);
      const rows = await db.apiToken.findMany({
        where: { ...(userId ? { userId } : {}), ...(input.includeRevoked ? {} : { revokedAt: null }) },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        select: VIEW,
        ...window,
      });
      return toPage(rows, input);
    },

    // Someone else's token answers 404, not 403, so token ids cannot be probed.
    revoke: (actor, tokenId) => revokeRow(tokenId, (row) => isAdmin(actor) || row.userId === actor.userId),
    revokeAsOperator: (tokenId) => revokeRow(tokenId, () => true),
  };
}
