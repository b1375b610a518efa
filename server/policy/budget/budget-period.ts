import type { BudgetPeriod } from "../../config/budgets-schema.ts";

/** One budget period as it stands now. */
export interface PeriodWindow {
  /** The counter's period name: `day:2026-12-01` or `month:2026-12`, in the configured zone. */
  readonly name: string;
  /** Date.now() at which it began. */
  readonly startMs: number;
  /** Date.now() at which the next one begins (when the budget resets). */
  readonly resetMs: number;
}

/**
 * Days and months in one IANA time zone, through Intl. A period is worked out
 * once and reused until it ends, so the request path pays for a comparison,
 * not for Intl; the clock is injectable for tests.
 */
export class PeriodClock {
  readonly zone: string;
  readonly #now: () => number;
  readonly #parts: Intl.DateTimeFormat;
  readonly #current = new Map<BudgetPeriod, PeriodWindow>();

  constructor(zone: string, now: () => number = Date.now) {
    this.zone = zone;
    this.#now = now;
    this.#parts = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
  }

  now(): number {
    return this.#now();
  }

  /** The period containing now. */
  current(period: BudgetPeriod): PeriodWindow {
    const now = this.#now();
    const cached = this.#current.get(period);
    if (cached !== undefined && now >= cached.startMs && now < cached.resetMs) return cached;
    const window = this.at(period, now);
    this.#current.set(period, window);
    return window;
  }

  /** The period containing `ms`. */
  at(period: BudgetPeriod, ms: number): PeriodWindow {
    const { year, month, day } = this.#wall(ms);
    if (period === "day") {
      return {
        name: `day:${year}-${pad(month)}-${pad(day)}`,
        startMs: this.#midnight(year, month, day),
        resetMs: this.#midnight(year, month, day + 1),
      };
    }
    return {
      name: `month:${year}-${pad(month)}`,
      startMs: this.#midnight(year, month, 1),
      resetMs: this.#midnight(year, month + 1, 1),
    };
  }

  /** The instant local midnight begins on a date (out-of-range days and months roll over, as Date.UTC does). */
  #midnight(year: number, month: number, day: number): number {
    const asUtc = Date.UTC(year, month - 1, day);
    const first = asUtc - this.#offset(asUtc);
    // Across a DST change the offset at the guess may differ from the offset at midnight itself.
    const second = asUtc - this.#offset(first);
    return second;
  }

  /** How far the zone's wall clock is ahead of UTC at `ms`, in ms. */
  #offset(ms: number): number {
    const w = this.#wall(ms);
    const wallAsUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
    return wallAsUtc - Math.floor(ms / 1000) * 1000;
  }

  #wall(ms: number) {
    const out = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
    for (const part of this.#parts.formatToParts(ms)) {
      if (part.type in out) out[part.type as keyof typeof out] = Number(part.value);
    }
    return out;
  }
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
