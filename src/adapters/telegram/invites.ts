import { createHmac, timingSafeEqual } from 'node:crypto';

// A coach invites a member with a deep link, t.me/<bot>?start=<payload>. Telegram allows 64
// characters of A-Z, a-z, 0-9, _ and - in the payload: "c", the coach's user id (a UUID, 22
// base64url characters) and a 96-bit HMAC of it (16 characters), so a link cannot be forged for
// another coach.

const MARK = 'c';
const PAYLOAD = /^c([\w-]{22})([\w-]{16})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function mac(key: string, id: Buffer): Buffer {
  return createHmac('sha256', key).update('coach-invite\0').update(id).digest().subarray(0, 12);
}

export interface Invites {
  /** The /start payload that invites a member to sign up with this coach. */
  payloadFor(coachUserId: string): string;
  /** The coach's user id, or null when the payload is not a genuine invite. */
  verify(payload: string): string | null;
}

export function createInvites(key: string): Invites {
  return {
    payloadFor(coachUserId) {
      if (!UUID.test(coachUserId)) throw new Error('coach user id must be a UUID');
      const id = Buffer.from(coachUserId.replaceAll('-', ''), 'hex');
      return `${MARK}${id.toString('base64url')}${mac(key, id).toString('base64url')}`;
    },
    verify(payload) {
      const match = PAYLOAD.exec(payload);
      if (!match) return null;
      const id = Buffer.from(match[1]!, 'base64url');
      const given = Buffer.from(match[2]!, 'base64url');
      if (id.length !== 16 || given.length !== 12 || !timingSafeEqual(given, mac(key, id))) return null;
      const hex = id.toString('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    },
  };
}

/** The invite key when none is configured: derived from the bot token, never the token itself. */
export function inviteKeyFromToken(token: string): string {
  return createHmac('sha256', token).update('coachbot telegram invites').digest('base64url');
}
