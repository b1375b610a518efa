/**
 * A rolling window of samples for charts: x in Unix seconds, one column per
 * named series. Pure and immutable (a new value per sample), so a page keeps
 * it in state and hands `toAligned` straight to the chart.
 */
export interface SeriesHistory {
  readonly names: readonly string[];
  readonly times: readonly number[];
  /** columns[i][j]: series names[i] at times[j]; null where it had no figure. */
  readonly columns: ReadonlyArray<ReadonlyArray<number | null>>;
}

export const EMPTY_HISTORY: SeriesHistory = { names: [], times: [], columns: [] };

/** Adds one sample (series name → value) at `atSeconds`, keeping at most `maxPoints`. */
export function appendSample(
  history: SeriesHistory,
  atSeconds: number,
  values: ReadonlyMap<string, number | null>,
  maxPoints: number,
): SeriesHistory {
  const names = [...history.names];
  for (const name of values.keys()) if (!names.includes(name)) names.push(name);
  const drop = Math.max(0, history.times.length + 1 - maxPoints);
  const times = [...history.times.slice(drop), atSeconds];
  const columns = names.map((name, i) => {
    const old = i < history.columns.length ? (history.columns[i] ?? []) : history.times.map(() => null);
    return [...old.slice(drop), values.get(name) ?? null];
  });
  return { names, times, columns };
}

/** uPlot's aligned data for the named series (in the given order). */
export function toAligned(history: SeriesHistory, names: readonly string[]): Array<Array<number | null>> {
  return [
    [...history.times],
    ...names.map((name) => {
      const i = history.names.indexOf(name);
      return i === -1 ? history.times.map(() => null) : [...(history.columns[i] ?? [])];
    }),
  ];
}
