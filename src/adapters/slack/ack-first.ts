// Acknowledgements before work, across the whole process. The work after an ack (Redis, the bot's
// database calls, Slack API calls) runs on the same event loop as the next requests' acks; under a
// burst of clicks it would delay them past Slack's 3 seconds. So during a burst (a request awaits
// its ack, or one arrived since the last turn of the event loop) no new work starts; once a whole
// turn passes with no new request, up to maxConcurrent pieces run. Measured with `npm run bench --
// slack` (the real bot, 200 concurrent clicks, 2 busy cores): one piece running during the burst
// put the p99 ack at 1.5x a bare Bolt app's; 16 pieces after it, 5.7x (a burst of Prisma work holds
// the loop while the next clicks arrive); 4, about 2x; 2, about 1.1x. Every unanswered request is
// answered by Bolt within 3 s at the latest, so work waits at most that long behind one that never is.

/** New work started while acks are pending. */
const BURST_LIMIT = 0;

export class AckFirstScheduler {
  private awaitingAck = 0;
  private arrivals = 0;
  /** Arrivals counted when the current quiet check began; undefined when none is pending. */
  private checkFrom?: number;
  private quiet = true;
  private running = 0;
  private readonly queue: { key: string | undefined; start: () => Promise<void> }[] = [];
  /** Keys with a task running: a key's tasks run one at a time, in order. */
  private readonly busy = new Set<string>();

  constructor(private readonly maxConcurrent = 2) {}

  /** A request arrived; call the returned function once it has been answered (idempotent). */
  arrived(): () => void {
    this.awaitingAck++;
    this.arrivals++;
    this.quiet = false;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.awaitingAck--;
      this.pump();
    };
  }

  /**
   * Runs `task` when the scheduler allows; resolves when it has finished (never rejects). Tasks of
   * one `key` (a user) run one after another, so one user's slow or failing work holds at most one
   * of the slots and the others' work goes ahead of it.
   */
  run(task: () => Promise<void>, key?: string): Promise<void> {
    return new Promise((resolve) => {
      this.queue.push({ key, start: () => task().catch(() => undefined).finally(resolve) });
      this.pump();
    });
  }

  private limit(): number {
    if (this.awaitingAck > 0) return BURST_LIMIT;
    if (this.quiet) return this.maxConcurrent;
    // setImmediate runs after the poll phase has taken in every request already at the socket, so
    // a burst still arriving shows up as new arrivals before the check ends.
    if (this.checkFrom === undefined) {
      this.checkFrom = this.arrivals;
      setImmediate(() => {
        this.quiet = this.arrivals === this.checkFrom && this.awaitingAck === 0;
        this.checkFrom = undefined;
        this.pump();
      });
    }
    return BURST_LIMIT;
  }

  private pump(): void {
    while (this.queue.length > 0 && this.running < this.limit()) {
      const index = this.queue.findIndex((task) => task.key === undefined || !this.busy.has(task.key));
      if (index < 0) return;
      const [{ key, start }] = this.queue.splice(index, 1) as [(typeof this.queue)[number]];
      this.running++;
      if (key !== undefined) this.busy.add(key);
      void start().finally(() => {
        this.running--;
        if (key !== undefined) this.busy.delete(key);
        this.pump();
      });
    }
  }
}
