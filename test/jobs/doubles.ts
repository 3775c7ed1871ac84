import { randomUUID } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import pino from 'pino';
import type { Platform } from '../../src/bot/inbound.ts';
import type { ChatPort, Notice, Presenter, Recipient } from '../../src/bot/port.ts';
import type { View } from '../../src/bot/view.ts';
import { DEFAULT_RETENTION_DAYS } from '../../src/core/retention/index.ts';
import type { JobSettings } from '../../src/jobs/index.ts';

// Test doubles of the jobs tests, free of vitest so that a worker child process can load them: a
// ChatPort that records what it is asked to send (the outside platform, faked) and a presenter that
// writes the notice itself into the view.

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Until the bot's Presenter lands on main: the notice itself, as JSON, in the summary. */
export const noticePresenter: Presenter = async (notice: Notice): Promise<View> => ({
  summary: JSON.stringify({ id: notice.id, userId: notice.userId, type: notice.type, payload: notice.payload }),
  blocks: [{ type: 'text', text: notice.type }],
});

export interface Delivered {
  to: Recipient;
  id: string;
  userId: string;
  type: string;
  payload: Record<string, unknown>;
  /** The rendered view's blocks (what the user would see, with its buttons). */
  blocks: View['blocks'];
}

/** The bot's real Presenter, with the notice written into the summary so the port can tell what it was. */
export function recordable(present: Presenter): Presenter {
  return async (notice, recipient) => {
    const view = await present(notice, recipient);
    return { ...view, summary: JSON.stringify({ id: notice.id, userId: notice.userId, type: notice.type, payload: notice.payload }) };
  };
}

/** A ChatPort that records every message; `behaviour` may throw (or block) to play a failing platform. */
export class RecordingPort implements ChatPort {
  readonly sent: Delivered[] = [];
  readonly attempts: Delivered[] = [];
  readonly #events = new EventEmitter();
  constructor(
    readonly platform: Platform = 'web',
    public behaviour: (message: Delivered, attempt: number) => Promise<void> | void = () => undefined,
  ) {
    this.#events.setMaxListeners(100);
  }
  async send(to: Recipient, view: View) {
    const message = { to, ...(JSON.parse(view.summary) as Omit<Delivered, 'to' | 'blocks'>), blocks: view.blocks };
    this.attempts.push(message);
    this.#events.emit('attempt');
    await this.behaviour(message, this.attempts.filter((a) => a.id === message.id).length);
    this.sent.push(message);
    this.#events.emit('sent');
    return { platform: this.platform, channelId: to.dmChannelId ?? to.platformUserId, messageId: randomUUID() };
  }
  async edit() {}
  /** Resolves once at least `n` messages were sent (no timer: it waits for the sends themselves). */
  async waitForSent(n: number): Promise<Delivered[]> {
    while (this.sent.length < n) await once(this.#events, 'sent');
    return this.sent;
  }
  /** Resolves once at least `n` sent messages match `which`; returns those. */
  async waitFor(which: (m: Delivered) => boolean, n: number): Promise<Delivered[]> {
    while (this.sent.filter(which).length < n) await once(this.#events, 'sent');
    return this.sent.filter(which);
  }
  async waitForAttempts(n: number): Promise<Delivered[]> {
    while (this.attempts.length < n) await once(this.#events, 'attempt');
    return this.attempts;
  }
}

export const testSettings = (o: Partial<JobSettings> = {}): JobSettings => ({
  reminderOffsetsMinutes: [1440, 60],
  tickMs: 60_000,
  relayMs: 1_000,
  reconcileMs: 60_000,
  windowMs: 60_000,
  concurrency: 8,
  attempts: 4,
  backoffMs: 10,
  leaseMs: 60_000,
  promptLookbackMs: 24 * 3_600_000,
  pruneMs: 3_600_000,
  retentionDays: DEFAULT_RETENTION_DAYS,
  stalledIntervalMs: 30_000,
  lockDurationMs: 30_000,
  ...o,
});

export const testPrefix = () => `test-jobs-${process.pid}-${randomUUID().slice(0, 8)}`;

export const silentLogger = pino({ level: 'silent' });

