/**
 * Milliseconds per phase of one piece of work, for its log line ("state 812 ms, diff 95 ms, ...").
 * Logs are where an operator sees why a scan of a large estate took as long as it did.
 */
export class PhaseTimer {
  #last = performance.now();
  readonly #laps: string[] = [];

  /** Ends the phase running since the last lap (or since the timer was made) under `name`. */
  lap(name: string): void {
    const now = performance.now();
    this.#laps.push(`${name} ${Math.round(now - this.#last)} ms`);
    this.#last = now;
  }

  toString(): string {
    return this.#laps.join(", ");
  }
}
