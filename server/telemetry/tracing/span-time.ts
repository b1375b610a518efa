/**
 * A span time from a performance.now() reading, as epoch milliseconds with
 * sub-millisecond precision. Every span time goes through it: given a
 * performance.now() number, OpenTelemetry adds a per-span correction taken
 * from Date.now() (whole milliseconds), and a span started at a given time
 * but ended without one ends at Date.now(), so spans timed either way could
 * disagree by a millisecond and a child could seem to outlive its parent.
 */
export function spanTime(performanceNow: number): number {
  return performance.timeOrigin + performanceNow;
}
