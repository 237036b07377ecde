// Values read back from the store that failed validation: counted so that health can tell an operator
// the store holds damage (each such value is treated as missing and rewritten, never served).

export interface CorruptReadsReport {
  count: number;
  /** The latest one: which key, and when. */
  last?: { key: string; at: string };
}

export class CorruptReads {
  private count = 0;
  private last?: { key: string; at: number };

  constructor(private readonly now: () => number) {}

  record(key: string): void {
    this.count++;
    this.last = { key: key.slice(0, 200), at: this.now() };
  }

  report(): CorruptReadsReport {
    return { count: this.count, ...(this.last ? { last: { key: this.last.key, at: new Date(this.last.at).toISOString() } } : {}) };
  }
}
