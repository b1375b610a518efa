import { setTimeout as sleep } from "node:timers/promises";

/**
 * Rate-limit windows are aligned to the epoch. A test that counts what one
 * window admits waits, if need be, for a window with at least `needMs` of it
 * left, so that no run depends on the time of day it starts at.
 */
export async function freshWindow(windowMs: number, needMs: number): Promise<void> {
  const left = windowMs - (Date.now() % windowMs);
  if (left < needMs) await sleep(left + 5);
}
