import type { ChatIdentityInput } from '../users/index.ts';

// Where a notice goes when its recipient has linked several chat platforms (docs/design.md §10):
// one rule, used by the delivering worker and shown by the admin API.

export type ChatPlatformName = ChatIdentityInput['platform'];

export interface RoutableIdentity {
  id: string;
  platform: ChatPlatformName;
  /** When the user last wrote from it; null: never since it was linked (or before this was kept). */
  lastUsedAt: Date | null;
  createdAt: Date;
  /** Set when delivery there failed for good. */
  unreachableAt: Date | null;
}

/**
 * The order to try a user's chat identities: the preferred platform first, then the one last used,
 * then the rest, most recently used (else most recently linked) first. Identities where delivery
 * failed for good go last: tried by nobody until their user writes from them again.
 */
export function noticeRoute<T extends RoutableIdentity>(identities: readonly T[], preferred: ChatPlatformName | null): T[] {
  const rank = (i: T) => [i.unreachableAt === null ? 0 : 1, i.platform === preferred ? 0 : 1, -(i.lastUsedAt?.getTime() ?? -Infinity), -i.createdAt.getTime()] as const;
  return [...identities].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    for (let k = 0; k < ra.length; k++) if (ra[k] !== rb[k]) return ra[k]! < rb[k]! ? -1 : 1;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
}

/** The identity a notice would reach now (the first reachable one on the route), or null. */
export function noticeTarget<T extends RoutableIdentity>(identities: readonly T[], preferred: ChatPlatformName | null): T | null {
  return noticeRoute(identities, preferred).find((i) => i.unreachableAt === null) ?? null;
}
