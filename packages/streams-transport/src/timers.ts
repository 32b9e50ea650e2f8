/** Resolves with `promise`'s outcome, or with `undefined` after `ms`; the timer never outlives the race. */
export async function withinTime<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** A sleep that ends early when `stopped` resolves, so loops can be stopped without waiting. */
export function pause(ms: number, stopped: Promise<void>): Promise<void> {
  return withinTime(stopped, ms).then(() => undefined);
}

/** A promise with its resolve function, e.g. a "stopped" signal for loops. */
export function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
