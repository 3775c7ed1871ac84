import { describe, expect, it } from 'vitest';
import { setupCore } from '../helpers/core.ts';
import { makeCoach, makeMember } from '../helpers/factories.ts';

const { core, db, clock } = await setupCore();
const who = { platform: 'web' as const, scope: 'local', platformUserId: 'someone' };

describe('chat service: what the bot keeps in PostgreSQL', () => {
  it('a delivery is claimed once: a redelivery gets the first answer, or in progress while it runs; a release lets it run again', async () => {
    const key = { platform: 'telegram' as const, scope: 'bot1', deliveryId: 'update-1' };
    expect(await core.chat.claimDelivery(key)).toEqual({ state: 'claimed' });
    expect(await core.chat.claimDelivery(key)).toEqual({ state: 'in_progress' });
    await core.chat.answerDelivery(key, [{ type: 'notice', text: 'done' }]);
    expect(await core.chat.claimDelivery(key)).toEqual({ state: 'answered', effects: [{ type: 'notice', text: 'done' }] });
    const other = { ...key, deliveryId: 'update-2' };
    await core.chat.claimDelivery(other);
    await core.chat.releaseDelivery(other);
    expect(await core.chat.claimDelivery(other)).toEqual({ state: 'claimed' });
    const both = await Promise.all([core.chat.claimDelivery({ ...key, deliveryId: 'race' }), core.chat.claimDelivery({ ...key, deliveryId: 'race' })]);
    expect(both.map((c) => c.state).sort()).toEqual(['claimed', 'in_progress']);
  });

  it('conversation state is read back until it expires, then gone', async () => {
    await core.chat.writeState(who, 'k', { step: 2 }, 60_000);
    expect(await core.chat.readState(who, 'k')).toEqual({ step: 2 });
    clock.advance(61_000);
    expect(await core.chat.readState(who, 'k')).toBeNull();
  });

  it('links an identity to an account once and finds the account with its member profile and coach', async () => {
    const coach = await makeCoach(db);
    const member = await makeMember(db, { coachId: coach.id, timezone: 'Asia/Tokyo' });
    expect(await core.chat.account(who)).toBeNull();
    await core.chat.ensureLink(member.id, { ...who, dmChannelId: null });
    await core.chat.ensureLink(member.id, { ...who, dmChannelId: null });
    expect(await core.chat.account(who)).toMatchObject({ userId: member.id, memberId: member.memberId, coachId: coach.id, timezone: 'Asia/Tokyo', role: 'Member' });
    expect(await core.chat.identitiesOf(member.id)).toHaveLength(1);
  });

  it('live messages are found by the coach and time span they show, or by their session, until they expire', async () => {
    const coach = await makeCoach(db);
    const viewer = await makeMember(db, { coachId: coach.id });
    const at = new Date(clock.now().getTime() + 86_400_000);
    const base = { platform: 'web' as const, channelId: 'c', viewerId: viewer.id, coachId: coach.id, screen: { kind: 'slots' }, expiresAt: new Date(clock.now().getTime() + 3_600_000) };
    await core.chat.rememberLive({ ...base, messageId: 'day', sessionId: null, startsAt: at, endsAt: new Date(at.getTime() + 86_400_000) });
    await core.chat.rememberLive({ ...base, messageId: 'card', sessionId: '00000000-0000-4000-8000-000000000001', startsAt: new Date(0), endsAt: new Date(1) });
    const touching = await core.chat.liveTouching({ coachId: coach.id, from: new Date(at.getTime() + 3_600_000), to: new Date(at.getTime() + 7_200_000), sessionId: '00000000-0000-4000-8000-000000000001' });
    expect(touching.map((m) => m.messageId).sort()).toEqual(['card', 'day']);
    expect(await core.chat.liveTouching({ coachId: coach.id, from: new Date('2001-01-01'), to: new Date('2001-01-02') })).toHaveLength(0);
    clock.advance(3_600_001);
    expect(await core.chat.liveTouching({ coachId: coach.id, from: at, to: new Date(at.getTime() + 1) })).toHaveLength(0);
  });
});
