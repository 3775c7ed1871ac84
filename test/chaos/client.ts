// An API client as a careful integrator writes one: every request goes to one of the API processes
// in turn; a request that got no answer (connection refused or reset) or a 503 is sent again, to
// the next process, with the same Idempotency-Key, until it gets a definitive answer. The pause
// between tries paces the retries; no result depends on how long anything takes.

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  /** Tries it took (1 when the first was answered). */
  tries: number;
}

export interface ClientStats {
  requests: number;
  retries: number;
  /** Answers 500-599 other than 503: a defect whatever the chaos. */
  serverErrors: { status: number; body: string; path: string }[];
  /** Requests that never got a definitive answer. */
  unanswered: number;
  /** Why the latest retry was needed, for the report of a run that fails. */
  lastRetryReason?: string;
}

const MAX_TRIES = 600;

export class ApiClient {
  readonly stats: ClientStats = { requests: 0, retries: 0, serverErrors: [], unanswered: 0 };
  private next = 0;

  constructor(private readonly ports: () => number[]) {}

  async send(token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    this.stats.requests++;
    for (let tries = 1; tries <= MAX_TRIES; tries++) {
      const ports = this.ports();
      const port = ports[this.next++ % ports.length]!;
      let response: Response;
      try {
        response = await fetch(`http://127.0.0.1:${port}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(120_000),
        });
      } catch (error) {
        // No answer: the process is down or died mid-request. The same request goes to the next one.
        this.stats.retries++;
        this.stats.lastRetryReason = `${port}: ${String((error as Error).cause ?? error)}`;
        await pause(tries);
        continue;
      }
      const text = await response.text();
      if (response.status === 503) {
        this.stats.retries++;
        this.stats.lastRetryReason = `${port}: 503 ${text.slice(0, 300)}`;
        await pause(tries);
        continue;
      }
      if (response.status >= 500) this.stats.serverErrors.push({ status: response.status, body: text.slice(0, 500), path });
      return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, tries };
    }
    this.stats.unanswered++;
    throw new Error(`${method} ${path}: no definitive answer after ${MAX_TRIES} tries`);
  }
}

/** Pacing between retries: 50 ms growing to 500 ms. */
function pause(tries: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.min(500, 50 * tries)));
}
