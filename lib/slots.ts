/** At most `width` of the calls run at once; the rest wait their turn, first come first served. */
export interface Slots {
  run<T>(work: () => Promise<T>): Promise<T>;
  /** Calls running now and calls waiting. */
  readonly busy: number;
  readonly waiting: number;
}

export function slots(width: number): Slots {
  if (!Number.isInteger(width) || width < 1) throw new RangeError(`slots: width must be a whole number ≥ 1, got ${width}`);
  let busy = 0;
  const queue: (() => void)[] = [];
  return {
    async run<T>(work: () => Promise<T>): Promise<T> {
      if (busy >= width) await new Promise<void>((resolve) => queue.push(resolve));
      else busy += 1;
      try {
        return await work();
      } finally {
        // The slot passes straight to the next waiter, so a newcomer cannot take it in between.
        const next = queue.shift();
        if (next) next();
        else busy -= 1;
      }
    },
    get busy() {
      return busy;
    },
    get waiting() {
      return queue.length;
    },
  };
}
