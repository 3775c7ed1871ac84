// Compact ASCII encodings of action arguments, so a signed action fits Telegram's 64 bytes.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A UUID as 22 base64url characters. */
export function packId(id: string): string {
  if (!UUID.test(id)) throw new Error(`not a UUID: ${id}`);
  return Buffer.from(id.replaceAll('-', ''), 'hex').toString('base64url');
}

export function unpackId(packed: string): string | null {
  if (!/^[A-Za-z0-9_-]{22}$/.test(packed)) return null;
  const hex = Buffer.from(packed, 'base64url').toString('hex');
  if (hex.length !== 32) return null;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** An instant to the minute, as base-36 minutes since the epoch (5 characters until 2084). */
export function packInstant(at: Date | string | number): string {
  return Math.floor(new Date(at).getTime() / 60_000).toString(36);
}

/** The last minute a packed instant may name: 9999-12-31T23:59Z, the end of four-digit years every formatter handles. */
const LAST_MINUTE = Math.floor(Date.UTC(9999, 11, 31, 23, 59) / 60_000);

export function unpackInstant(packed: string): Date | null {
  if (!/^[0-9a-z]{1,8}$/.test(packed)) return null;
  const minutes = parseInt(packed, 36);
  return minutes <= LAST_MINUTE ? new Date(minutes * 60_000) : null;
}

/** A small non-negative integer (a page, a rating, a day number) in base 36. */
export function packInt(n: number): string {
  return n.toString(36);
}

export function unpackInt(packed: string, max: number): number | null {
  if (!/^[0-9a-z]{1,6}$/.test(packed)) return null;
  const n = parseInt(packed, 36);
  return n <= max ? n : null;
}
