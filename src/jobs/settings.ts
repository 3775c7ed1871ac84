import type { Config } from '../config.ts';
import type { RetentionDays } from '../core/retention/index.ts';

/** What the jobs read from the configuration (src/config.ts); tests pass short delays here. */
export interface JobSettings {
  reminderOffsetsMinutes: readonly number[];
  tickMs: number;
  relayMs: number;
  reconcileMs: number;
  /** How far ahead of due a tick puts work into Redis: a little more than one tick. */
  windowMs: number;
  concurrency: number;
  attempts: number;
  backoffMs: number;
  leaseMs: number;
  promptLookbackMs: number;
  /** How often spent rows are pruned, and how long each kind is kept. */
  pruneMs: number;
  retentionDays: RetentionDays;
  /** BullMQ's stalled-job check: how soon a job of a dead worker runs again. */
  stalledIntervalMs: number;
  lockDurationMs: number;
}

export function jobSettings(config: Config): JobSettings {
  return {
    reminderOffsetsMinutes: config.REMINDER_OFFSETS,
    tickMs: config.JOBS_TICK_MS,
    relayMs: config.JOBS_RELAY_MS,
    reconcileMs: config.JOBS_RECONCILE_MS,
    windowMs: config.JOBS_TICK_MS * 2,
    concurrency: config.DELIVERY_CONCURRENCY,
    attempts: config.DELIVERY_ATTEMPTS,
    backoffMs: config.DELIVERY_BACKOFF_MS,
    leaseMs: config.DELIVERY_LEASE_MS,
    promptLookbackMs: config.PROMPT_LOOKBACK_HOURS * 3_600_000,
    pruneMs: config.JOBS_PRUNE_MS,
    retentionDays: { chatDeliveries: config.CHAT_DELIVERIES_RETENTION_DAYS, chatStates: config.CHAT_STATES_RETENTION_DAYS },
    stalledIntervalMs: 30_000,
    lockDurationMs: 30_000,
  };
}
