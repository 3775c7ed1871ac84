import { describe, expect, it } from 'vitest';
import { ForbiddenError, NotFoundError } from '../../src/core/index.ts';
import { directKey, ensureDirectConversation } from '../../src/core/conversations/index.ts';
import { setupCore, TEST_EPOCH } from '../helpers/core.ts';
import { failure, person } from './members.fixtures.ts';

const { db, core } = await setupCore();

describe('direct conversations', () => {
  it('gives a pair one conversation whichever side starts it, even when many start at once', async () => {
    const [a, b] = [await person(db, 'Coach'), await person(db, 'Member')];
    const ids = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        db.$transaction((tx) => (i % 2 ? ensureDirectConversation(tx, a.user.id, b.user.id, TEST_EPOCH) : ensureDirectConversation(tx, b.user.id, a.user.id, TEST_EPOCH))),
      ),
    );
    expect(new Set(ids).size).toBe(1);
    const conversation = await db.conversation.findUniqueOrThrow({ where: { directKey: directKey(a.user.id, b.user.id) }, include: { participants: true } });
    expect(conversation.id).toBe(ids[0]);
    expect(conversation.type).toBe('direct');
    expect(conversation.participants.map((p) => p.userId).sort()).toEqual([a.user.id, b.user.id].sort());
  });

  it('shows a conversation to its participants and admins only', async () => {
    const coach = await person(db, 'Coach');
    const member = await person(db, 'Member');
    const stranger = await person(db, 'Member');
    const admin = await person(db, 'Admin');
    await core.members.assignCoach(admin.actor, member.user.memberId as string, coach.user.id);

    const mine = await core.conversations.list(member.actor);
    expect(mine.items).toHaveLength(1);
    const id = mine.items[0]?.id as string;
    expect((await core.conversations.get(coach.actor, id)).participants.map((p) => p.userId).sort()).toEqual([coach.user.id, member.user.id].sort());
    expect((await core.conversations.getDirect(member.actor, member.user.id, coach.user.id))?.id).toBe(id);
    expect((await core.conversations.get(admin.actor, id)).id).toBe(id);
    expect((await core.conversations.list(admin.actor, { userId: coach.user.id, type: 'direct' })).items.map((c) => c.id)).toEqual([id]);

    expect(await failure(() => core.conversations.get(stranger.actor, id))).toBeInstanceOf(ForbiddenError);
    expect(await failure(() => core.conversations.list(stranger.actor, { userId: member.user.id }))).toBeInstanceOf(ForbiddenError);
    expect(await failure(() => core.conversations.getDirect(stranger.actor, member.user.id, coach.user.id))).toBeInstanceOf(ForbiddenError);
    expect(await core.conversations.getDirect(stranger.actor, stranger.user.id, coach.user.id)).toBeNull();
    expect(await failure(() => core.conversations.get(admin.actor, '00000000-0000-4000-8000-000000000000'))).toBeInstanceOf(NotFoundError);
  });
});
