import { createHmac, timingSafeEqual } from 'node:crypto';
import { LIMITS, type ActionToken } from './view.ts';

// Signed actions. A token is `<verb>.<arg>~<arg>.<expiry>.<mac>`: the verb names the handler, the
// arguments are compact ASCII (see compact.ts), the expiry is base-36 minutes since the epoch and
// the mac is the first 16 base64url characters (96 bits) of HMAC-SHA256 over the subject and the
// rest. The subject is who the button was drawn for (`u:<user id>`, or `c:<platform>:<scope>:<id>`
// for someone not signed up yet), so a token shown to one person does nothing for another, and
// nothing needs storing for a button to be verified by any bot process.

export const MAC_CHARS = 16;
/** How long a drawn button stays usable. Reminders and rating prompts are answered days later. */
export const ACTION_TTL_MS = 14 * 24 * 60 * 60_000;

export interface ParsedAction {
  verb: string;
  args: string[];
}

export type ActionCheck = ({ ok: true } & ParsedAction) | { ok: false; reason: 'malformed' | 'forged' | 'expired' };

const PART = /^[A-Za-z0-9_-]*$/;

export interface ActionSigner {
  sign(subject: string, verb: string, args: string[], now: Date): ActionToken;
  /** Checks a token against each subject the person talking may be known as. */
  verify(token: string, subjects: string[], now: Date): ActionCheck;
}

export function createActionSigner(secret: string): ActionSigner {
  const mac = (subject: string, body: string) => createHmac('sha256', secret).update(`${subject}\n${body}`).digest('base64url').slice(0, MAC_CHARS);
  return {
    sign(subject, verb, args, now) {
      if (!/^[a-zA-Z]{1,3}$/.test(verb) || args.some((a) => !PART.test(a))) throw new Error(`bad action part in ${verb}`);
      const expiry = Math.ceil((now.getTime() + ACTION_TTL_MS) / 60_000).toString(36);
      const body = `${verb}.${args.join('~')}.${expiry}`;
      const token = `${body}.${mac(subject, body)}`;
      if (token.length > LIMITS.actionBytes) throw new Error(`action ${verb} is ${token.length} bytes, over ${LIMITS.actionBytes}`);
      return token;
    },
    verify(token, subjects, now) {
      if (typeof token !== 'string' || token.length > LIMITS.actionBytes) return { ok: false, reason: 'malformed' };
      const parts = token.split('.');
      if (parts.length !== 4 || !parts.every((p) => /^[A-Za-z0-9_~-]*$/.test(p))) return { ok: false, reason: 'malformed' };
      const [verb, argText, expiry, given] = parts as [string, string, string, string];
      const body = `${verb}.${argText}.${expiry}`;
      const matches = subjects.some((s) => {
        const expected = Buffer.from(mac(s, body));
        const actual = Buffer.from(given);
        return expected.length === actual.length && timingSafeEqual(expected, actual);
      });
      if (!matches) return { ok: false, reason: 'forged' };
      if (!/^[0-9a-z]{1,8}$/.test(expiry) || parseInt(expiry, 36) * 60_000 <= now.getTime()) return { ok: false, reason: 'expired' };
      return { ok: true, verb, args: argText === '' ? [] : argText.split('~') };
    },
  };
}
