import { describe, expect, it } from 'vitest';
import { rerunningAborts } from '../../src/core/bookings/rules.ts';

// A booking aborted by PostgreSQL (deadlock, serialization) runs again: on a busy machine its rerun
// can meet the same same-key twin once more before the twin has finished, so one rerun is not enough.

const abort = (code: string) => Object.assign(new Error('deadlock detected'), { code });

describe('rerunningAborts', () => {
  it('runs again through successive aborts, then answers', async () => {
    let runs = 0;
    const answer = await rerunningAborts(async () => {
      runs += 1;
      if (runs === 1) throw abort('40P01');
      if (runs === 2) throw abort('P2034');
      if (runs === 3) throw abort('40001');
      return 'booked';
    });
    expect([answer, runs]).toEqual(['booked', 4]);
  });

  it('gives up after a few runs, and never reruns anything else', async () => {
    let runs = 0;
    await expect(rerunningAborts(async () => { runs += 1; throw abort('40P01'); })).rejects.toMatchObject({ code: '40P01' });
    expect(runs).toBe(4);
    runs = 0;
    await expect(rerunningAborts(async () => { runs += 1; throw abort('23505'); })).rejects.toMatchObject({ code: '23505' });
    expect(runs).toBe(1);
  });
});
