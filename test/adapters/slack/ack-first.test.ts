import { describe, expect, it } from 'vitest';
import { AckFirstScheduler } from '../../../src/adapters/slack/ack-first.ts';

describe('AckFirstScheduler: acknowledgements before work', () => {
  it('starts no work while a request awaits its ack, and runs it once every request is answered', async () => {
    const s = new AckFirstScheduler(4);
    const first = s.arrived();
    const second = s.arrived();
    const started: number[] = [];
    const done = [1, 2, 3].map((n) => s.run(async () => void started.push(n)));
    await Promise.resolve();
    expect(started).toEqual([]);
    first();
    await Promise.resolve();
    expect(started).toEqual([]);
    second();
    await Promise.all(done);
    expect(started).toEqual([1, 2, 3]);
  });

  it('never runs more than maxConcurrent at once, and a failing task does not stop the others', async () => {
    const s = new AckFirstScheduler(2);
    let running = 0;
    let peak = 0;
    const gates: (() => void)[] = [];
    const tasks = Array.from({ length: 6 }, (_, i) =>
      s.run(async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((resolve) => gates.push(resolve));
        running--;
        if (i === 0) throw new Error('boom');
      }),
    );
    while (gates.length < 6) {
      await new Promise((resolve) => setImmediate(resolve));
      gates.splice(0).forEach((open) => open());
      if (gates.length === 0 && running === 0) break;
    }
    await Promise.all(tasks);
    expect(peak).toBeLessThanOrEqual(2);
  });

  it('answering twice counts once', async () => {
    const s = new AckFirstScheduler(1);
    const a = s.arrived();
    const b = s.arrived();
    a();
    a();
    let ran = false;
    const task = s.run(async () => void (ran = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(ran).toBe(false);
    b();
    await task;
    expect(ran).toBe(true);
  });

  it("runs one key's tasks one at a time, so a user whose work hangs holds one slot and another user's work goes ahead", async () => {
    const s = new AckFirstScheduler(2);
    const started: string[] = [];
    let release!: () => void;
    const hung = new Promise<void>((resolve) => (release = resolve));
    const stuck = [1, 2, 3].map((n) => s.run(async () => (started.push(`a${n}`), await hung), 'user-a'));
    await s.run(async () => void started.push('b1'), 'user-b');
    expect(started).toEqual(['a1', 'b1']);
    release();
    await Promise.all(stuck);
    expect(started).toEqual(['a1', 'b1', 'a2', 'a3']);
  });
});
