import { DateTime } from 'luxon';
import { createCore, DEFAULT_CORE_CONFIG, systemClock } from '../../src/core/index.ts';
import type { Db } from '../../src/db/client.ts';
import { actorOf, makeCoach, makeMember } from '../helpers/factories.ts';

// The people of the run: coaches with one window of short slots starting a few minutes from now,
// members with API tokens, members who book from Telegram, every one of them linked to a Telegram
// chat so every notification has somewhere to go.

export const SLOT_MINUTES = 5;
export const SEATS = 3;
/** Minutes before a session its reminders go out: they fall due while the run goes on. */
export const REMINDER_OFFSETS = [2, 1];

export interface Person {
  userId: string;
  memberId?: string;
  coachId?: string;
  token?: string;
  chatId: number;
}

export interface World {
  zone: string;
  coaches: Person[];
  apiMembers: Person[];
  chatMembers: Person[];
  /** The slots' starts, earliest first. */
  slots: Date[];
}

/**
 * A fixed-offset zone where it is around midday now, so the coaches' window never crosses local
 * midnight whenever the run happens (Etc/GMT-N is UTC+N).
 */
export function middayZone(now: Date): string {
  const k = 12 - now.getUTCHours();
  return k === 0 ? 'UTC' : `Etc/GMT${k > 0 ? '-' : '+'}${Math.abs(k)}`;
}

export async function makeWorld(db: Db, telegramScope: string, o: { coaches: number; apiMembersPerCoach: number; chatCoaches: number; chatMembers: number }): Promise<World> {
  const core = createCore({ db, clock: systemClock, config: DEFAULT_CORE_CONFIG });
  const now = DateTime.now();
  const zone = middayZone(now.toJSDate());
  // The window opens at the next whole minute at least two minutes ahead (so both reminders of its
  // first slot fall due within the run) and holds twelve slots.
  const start = now.setZone(zone).plus({ minutes: 2 }).startOf('minute').plus({ minutes: 1 });
  const slots = Array.from({ length: 12 }, (_, i) => start.plus({ minutes: SLOT_MINUTES * i }).toJSDate());
  let chat = 500_000;
  const link = (userId: string, chatId: number) =>
    core.chat.ensureLink(userId, { platform: 'telegram', scope: telegramScope, platformUserId: String(chatId), dmChannelId: String(chatId) });

  const world: World = { zone, coaches: [], apiMembers: [], chatMembers: [], slots };
  /** A coach with one window from `start` of `slotCount` slots of `minutes`. */
  async function coach(name: string, minutes: number, slotCount: number): Promise<Person> {
    const made = await makeCoach(db, { name, coachTimezone: zone, timezone: zone, maxMembers: 100 });
    await core.availability.create(await actorOf(db, made), {
      dayOfWeek: start.weekday % 7,
      startTime: start.toFormat('HH:mm'),
      endTime: start.plus({ minutes: minutes * slotCount }).toFormat('HH:mm'),
      bufferMinutes: 0,
      maxSessionsPerSlot: SEATS,
    });
    const chatId = chat++;
    await link(made.id, chatId);
    const person = { userId: made.id, coachId: made.id, chatId };
    world.coaches.push(person);
    return person;
  }
  async function member(name: string, coachId: string, withToken: boolean): Promise<Person> {
    const made = await makeMember(db, { name, coachId, timezone: zone });
    const chatId = chat++;
    await link(made.id, chatId);
    const token = withToken ? (await core.tokens.issue({ user: made.id })).token : undefined;
    return { userId: made.id, memberId: made.memberId!, coachId, chatId, ...(token ? { token } : {}) };
  }

  for (let c = 0; c < o.coaches; c++) {
    const { userId } = await coach(`Coach ${c}`, SLOT_MINUTES, slots.length);
    for (let m = 0; m < o.apiMembersPerCoach; m++) world.apiMembers.push(await member(`Member ${c}.${m}`, userId, true));
  }
  // The bot books its default hour: coaches of their own, so the API's short slots never clash.
  const chatCoaches: Person[] = [];
  for (let c = 0; c < o.chatCoaches; c++) chatCoaches.push(await coach(`Chat coach ${c}`, 60, 3));
  for (let m = 0; m < o.chatMembers; m++) world.chatMembers.push(await member(`Chatter ${m}`, chatCoaches[m % chatCoaches.length]!.userId, false));
  return world;
}
