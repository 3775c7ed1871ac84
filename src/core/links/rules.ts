import { createHash, randomInt } from 'node:crypto';

// One-time link codes: what a person types after `/link` to tie a chat account to their user.
// Short enough to type from a phone, random enough that a throttled guesser cannot hit one.

/** 32 characters without look-alikes (no 0/O, no 1/I): 5 bits each, so a code carries 40 bits (about 1.1e12 codes). */
export const CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
export const CODE_LENGTH = 8;
/** A code links for this long after it is issued. */
export const CODE_TTL_MS = 15 * 60_000;

/** Wrong tries one chat account may make per window before `/link` refuses to look. */
export const GUESSES_PER_ACCOUNT = 5;
export const ACCOUNT_WINDOW_MS = 15 * 60_000;
/** Wrong tries all chat accounts together may make per window: caps an attacker with many accounts. */
export const GUESSES_OVERALL = 60;
export const OVERALL_WINDOW_MS = 60_000;

/** A new code, drawn with the operating system's cryptographic randomness (no modulo bias: randomInt). */
export function generateLinkCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/** How a code is shown: two groups of four, easier to read out and type. */
export function displayLinkCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/**
 * The code a person meant, or null when what they typed cannot be one: case, spaces and dashes do
 * not matter, so `abcd-efgh`, `ABCD EFGH` and `abcdefgh` are the same code.
 */
export function normalizeLinkCode(typed: string): string | null {
  const code = typed.toUpperCase().replace(/[\s-]/g, '');
  if (code.length !== CODE_LENGTH) return null;
  return [...code].every((c) => CODE_ALPHABET.includes(c)) ? code : null;
}

/** Only this is stored: enough for a 15-minute single-use code whose guesses are throttled. */
export function hashLinkCode(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}
