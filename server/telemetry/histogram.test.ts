import { describe, expect, it } from "vitest";
import { Histogram } from "./histogram.ts";

describe("Histogram", () => {
  it("counts each value into its first bucket and renders cumulative buckets", () => {
    const h = new Histogram([0.1, 1]);
    h.observe(0.05);
    h.observe(0.1);
    h.observe(0.5);
    h.observe(7);
    const text = h.render("x_seconds", [["a", "b"]]);
    expect(text).toContain('x_seconds_bucket{a="b",le="0.1"} 2\n');
    expect(text).toContain('x_seconds_bucket{a="b",le="1"} 3\n');
    expect(text).toContain('x_seconds_bucket{a="b",le="+Inf"} 4\n');
    expect(text).toContain('x_seconds_sum{a="b"} 7.65\n');
    expect(text).toContain('x_seconds_count{a="b"} 4\n');
  });

  it("merges series of the same bounds and renders nothing when empty", () => {
    const a = new Histogram([1]);
    const b = new Histogram([1]);
    expect(a.render("x", [])).toBe("");
    b.observe(0.5);
    b.observe(3);
    a.add(b);
    expect(a.count).toBe(2);
    expect(a.render("x", [])).toContain('x_bucket{le="1"} 1\n');
  });
});
