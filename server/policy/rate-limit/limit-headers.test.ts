import { describe, expect, it } from "vitest";
import { resetValue, writeLimitHeaders } from "./limit-headers.ts";

describe("the x-ratelimit-* headers", () => {
  it("write reset times as Go durations, as OpenAI does", () => {
    expect(resetValue(0)).toBe("0s");
    expect(resetValue(12)).toBe("12ms");
    expect(resetValue(12.2)).toBe("13ms");
    expect(resetValue(1000)).toBe("1s");
    expect(resetValue(8640)).toBe("8.64s");
    expect(resetValue(59_999)).toBe("59.999s");
    expect(resetValue(360_000)).toBe("6m0s");
    expect(resetValue(179_560)).toBe("2m59.56s");
    expect(resetValue(3_600_000)).toBe("1h0m0s");
    expect(resetValue(3_723_500)).toBe("1h2m3.5s");
    expect(resetValue(86_400_000)).toBe("24h0m0s");
  });

  it("are written for each kind that has a counter", () => {
    const headers = new Headers();
    const set = (h: Headers, name: string, value: string) => h.set(name, value);
    writeLimitHeaders(
      { requests: { limit: 60, remaining: 59, resetMs: 1000 }, tokens: undefined },
      headers,
      set,
    );
    expect(Object.fromEntries(headers)).toEqual({
      "x-ratelimit-limit-requests": "60",
      "x-ratelimit-remaining-requests": "59",
      "x-ratelimit-reset-requests": "1s",
    });
    writeLimitHeaders(
      { requests: undefined, tokens: { limit: 150_000, remaining: 149_984, resetMs: 360_000 } },
      headers,
      set,
    );
    expect(headers.get("x-ratelimit-remaining-tokens")).toBe("149984");
    expect(headers.get("x-ratelimit-reset-tokens")).toBe("6m0s");
  });
});
