/**
 * The order of the targets in round `round` of an interleaved measurement: rotated each round, and
 * reversed every other `n` rounds, so that over `2n` rounds each target goes first as often as any other
 * and is measured right after each other target equally often. With plain rotation and three targets,
 * the gateway followed the floor in two rounds of three, and identical code measured 9 % more CPU in
 * that slot than in the other (bench/results/2026-12-02-stream-quiet.md).
 */
export function roundOrder<T>(targets: readonly T[], round: number): T[] {
  const n = targets.length;
  const rotated = targets.map((_, i) => targets[(i + round) % n] as T);
  return Math.floor(round / n) % 2 === 0 ? rotated : rotated.reverse();
}
