/**
 * A bounded pool of slots for expensive work (an Argon2 run, a PDF parse in a child process):
 * at most `concurrency` run at once, at most `maxWaiting` wait, and anyone beyond gets
 * BusyError at once (answered as 503 with Retry-After), so that a storm meets a short line
 * rather than a growing one. A waiter is handed the slot of the work that ends, so no newcomer
 * can slip in between.
 */
export class BusyError extends Error {
  override name = 'BusyError';
}

export class Slots {
  readonly #concurrency: number;
  #running = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(concurrency: number) {
    this.#concurrency = concurrency;
  }

  async run<T>(work: () => Promise<T>, maxWaiting: number, busyMessage: string): Promise<T> {
    if (this.#running < this.#concurrency) this.#running += 1;
    else if (this.#waiting.length >= maxWaiting) throw new BusyError(busyMessage);
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      if (next === undefined) this.#running -= 1;
      else next();
    }
  }
}
