/** Shuffles `list[lo..hi)` in place (Fisher–Yates), so that ties are broken at random. */
export function shuffleRange<T>(list: T[], lo: number, hi: number, random: () => number): void {
  for (let i = hi - 1; i > lo; i--) {
    const j = lo + Math.floor(random() * (i - lo + 1));
    const item = list[i] as T;
    list[i] = list[j] as T;
    list[j] = item;
  }
}

/**
 * Sorts `list[lo..hi)` in place, stably, by insertion: the ranges routing
 * sorts hold a handful of deployments, where this beats Array#sort and
 * needs no sub-array. `context` is handed to `compare`, so that comparing
 * needs no closure per request.
 */
export function sortRange<T, C>(
  list: T[],
  lo: number,
  hi: number,
  compare: (a: T, b: T, context: C) => number,
  context: C,
): void {
  for (let i = lo + 1; i < hi; i++) {
    const item = list[i] as T;
    let j = i - 1;
    while (j >= lo && compare(list[j] as T, item, context) > 0) {
      list[j + 1] = list[j] as T;
      j--;
    }
    list[j + 1] = item;
  }
}
