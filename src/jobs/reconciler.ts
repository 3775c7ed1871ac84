import { undeliveredNotifications } from '../core/notifications/index.ts';
import { enqueueDeliveries, type RelayDeps } from './relay.ts';
import { tickReminders } from './reminders.ts';

// PostgreSQL is the source of truth, Redis holds derived work. After Redis lost data (FLUSHALL, a
// failover to a stale replica, eviction) or a worker died holding a claim, this puts back every job
// PostgreSQL says should exist: due reminders and prompts are derived again, and every undelivered
// row due within the window is enqueued under its own job id (a job still present is left alone).

const PAGE = 1000;

export async function reconcile(deps: RelayDeps): Promise<{ requeued: number }> {
  await tickReminders(deps);
  let requeued = 0;
  let after = '';
  for (;;) {
    const now = deps.clock.now();
    const rows = await undeliveredNotifications(deps.db, now, new Date(now.getTime() + deps.settings.windowMs), after, PAGE);
    await enqueueDeliveries(deps, rows);
    requeued += rows.length;
    if (rows.length < PAGE) return { requeued };
    after = rows.at(-1)!.id;
  }
}
