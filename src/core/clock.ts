/** The only source of "now" in core, injected so tests control time (docs/design.md §1). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that stands still until moved; for tests and simulations. */
export class ManualClock implements Clock {
  #now: number;
  constructor(start: Date | number = Date.now()) {
    this.#now = typeof start === 'number' ? start : start.getTime();
  }
  now(): Date {
    return new Date(this.#now);
  }
  set(at: Date | number): void {
    this.#now = typeof at === 'number' ? at : at.getTime();
  }
  advance(ms: number): void {
    this.#now += ms;
  }
}
