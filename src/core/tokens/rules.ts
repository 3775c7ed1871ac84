import { createHash, randomBytes } from 'node:crypto';

// API tokens are bearer secrets: shown once, stored only as a sha256 hash, recognised by a prefix.

/** Marks our tokens so secret scanners and people can tell what leaked. */
export const TOKEN_MARK = 'cb_';
/** How much of the token a listing shows: the mark and a few random characters, never enough to guess. */
export const PREFIX_LENGTH = TOKEN_MARK.length + 8;
/** lastUsedAt is a hint for operators, so it is written at most this often per token. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export function generateToken(): string {
  return `${TOKEN_MARK}${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function tokenPrefix(token: string): string {
  return token.slice(0, PREFIX_LENGTH);
}

/** Whether a token's lastUsedAt is stale enough to be written again. */
export function lastUsedIsStale(lastUsedAt: Date | null, now: Date): boolean {
  return !lastUsedAt || now.getTime() - lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS;
}
