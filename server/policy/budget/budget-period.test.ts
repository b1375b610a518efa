import { describe, expect, it } from "vitest";
import { PeriodClock } from "./budget-period.ts";

const iso = (ms: number) => new Date(ms).toISOString();

describe("budget periods", () => {
  it("runs UTC days and months by default", () => {
    const clock = new PeriodClock("UTC", () => Date.parse("2026-12-31T23:59:59.999Z"));
    const day = clock.current("day");
    expect([day.name, iso(day.startMs), iso(day.resetMs)]).toEqual([
      "day:2026-12-31",
      "2026-12-31T00:00:00.000Z",
      "2027-01-01T00:00:00.000Z",
    ]);
    const month = clock.current("month");
    expect([month.name, iso(month.startMs), iso(month.resetMs)]).toEqual([
      "month:2026-12",
      "2026-12-01T00:00:00.000Z",
      "2027-01-01T00:00:00.000Z",
    ]);
  });

  it("begins days at local midnight in the configured zone", () => {
    const clock = new PeriodClock("Asia/Tokyo");
    // 20:00 UTC on 1 December is 05:00 on the 2nd in Tokyo (UTC+9).
    const day = clock.at("day", Date.parse("2026-12-01T20:00:00Z"));
    expect([day.name, iso(day.startMs), iso(day.resetMs)]).toEqual([
      "day:2026-12-02",
      "2026-12-01T15:00:00.000Z",
      "2026-12-02T15:00:00.000Z",
    ]);
  });

  it("has a 23-hour day when the clocks go forward and a 25-hour one when they go back", () => {
    const clock = new PeriodClock("America/New_York");
    const spring = clock.at("day", Date.parse("2026-03-08T12:00:00Z"));
    expect(spring.name).toBe("day:2026-03-08");
    expect(iso(spring.startMs)).toBe("2026-03-08T05:00:00.000Z");
    expect((spring.resetMs - spring.startMs) / 3_600_000).toBe(23);
    const autumn = clock.at("day", Date.parse("2026-11-01T12:00:00Z"));
    expect(iso(autumn.startMs)).toBe("2026-11-01T04:00:00.000Z");
    expect((autumn.resetMs - autumn.startMs) / 3_600_000).toBe(25);
  });

  it("rolls months over at the year's end in the zone", () => {
    const clock = new PeriodClock("Europe/Paris");
    const month = clock.at("month", Date.parse("2026-12-31T23:30:00Z"));
    // Already 1 January 00:30 in Paris.
    expect([month.name, iso(month.startMs), iso(month.resetMs)]).toEqual([
      "month:2027-01",
      "2026-12-31T23:00:00.000Z",
      "2027-01-31T23:00:00.000Z",
    ]);
  });

  it("keeps a period until it ends, then moves on", () => {
    let now = Date.parse("2026-12-01T23:59:59Z");
    const clock = new PeriodClock("UTC", () => now);
    const first = clock.current("day");
    expect(clock.current("day")).toBe(first);
    now = first.resetMs;
    expect(clock.current("day").name).toBe("day:2026-12-02");
  });
});
