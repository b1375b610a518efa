import { describe, expect, it } from "vitest";
import { candidate, ids, routeRequest } from "../strategies/test-candidates.ts";
import { type QualityFeed, qualitySource } from "./quality-feed.ts";
import { orderByScore, PROFILES, qualityOf, scoreDeployments } from "./scores.ts";

const NOW = 1_000_000;
const request = () => routeRequest({ now: NOW });
const local = (quality: number) => candidate("local", { local: true, quality });
const cloud = (quality: number) =>
  candidate("cloud", { quality, pricing: { input: 3, output: 15 }, provider: "cloud" });

describe("scoreDeployments", () => {
  it("weighs cost, quality and latency by the profile", () => {
    const [l, c] = scoreDeployments([local(0.3), cloud(0.9)], PROFILES.cost, request());
    // local: free (cost 1), quality 0.3, unmeasured latency 0.5; cloud: priced against a free one (0).
    expect(l).toBeCloseTo(0.8 * 1 + 0.1 * 0.3 + 0.1 * 0.5);
    expect(c).toBeCloseTo(0.8 * 0 + 0.1 * 0.9 + 0.1 * 0.5);
  });

  it("gives the cheapest priced deployment the full cost share and the rest in proportion", () => {
    const cheap = candidate("cheap", { pricing: { input: 1, output: 1 } });
    const dear = candidate("dear", { pricing: { input: 4, output: 4 } });
    const unpriced = candidate("unpriced");
    const [a, b, c] = scoreDeployments(
      [cheap, dear, unpriced],
      { cost: 1, quality: 0, latency: 0 },
      request(),
    );
    expect([a, b, c]).toEqual([1, expect.closeTo(0.25), 0]);
  });

  it("scores latency against the fastest measured, unmeasured in the middle, failing at 0", () => {
    const measured = (latencyMs: number) => ({ latencyMs, attempts: 3, measuredAt: NOW - 5 });
    const list = [
      candidate("fast", { stats: measured(100) }),
      candidate("slow", { stats: measured(400) }),
      candidate("new"),
      candidate("broken", { stats: { attempts: 2, failures: 2, consecutiveFailures: 2, measuredAt: NOW } }),
    ];
    const scores = scoreDeployments(list, { cost: 0, quality: 0, latency: 1 }, request());
    expect(scores).toEqual([1, expect.closeTo(0.25), 0.5, 0]);
  });

  it("counts a deployment with no quality in config as middling", () => {
    const [s] = scoreDeployments([candidate("x")], { cost: 0, quality: 1, latency: 0 }, request());
    expect(s).toBe(0.5);
  });

  it("takes a measured quality over the configured one, and the configured one where none is measured", () => {
    const feed: QualityFeed = { measured: (d) => (d.provider === "cloud" ? 0.2 : undefined) };
    const list = [local(0.3), cloud(0.9), candidate("bare")];
    const onlyQuality = { cost: 0, quality: 1, latency: 0 };
    expect(scoreDeployments(list, onlyQuality, request(), feed)).toEqual([0.3, 0.2, 0.5]);
    expect(scoreDeployments(list, onlyQuality, request())).toEqual([0.3, 0.9, 0.5]);
    expect(list.map((d) => qualitySource(d, feed))).toEqual(["config", "benchmark", "default"]);
    expect(list.map((d) => qualityOf(d, undefined))).toEqual([0.3, 0.9, 0.5]);
  });
});

describe("orderByScore", () => {
  it("puts the best score first, scores moving with their deployments", () => {
    const list = [local(0.3), cloud(0.95)];
    const scores = scoreDeployments(list, PROFILES.quality, request());
    expect(orderByScore(list, scores, 0.7)).toBe(false);
    expect(ids(list)).toEqual(["cloud", "local"]);
    expect(scores[0]).toBeCloseTo(0.05 * 0 + 0.85 * 0.95 + 0.1 * 0.5);
  });

  it("prefers a local deployment within the configured share of the best", () => {
    // local: 0.05 + 0.85 × 0.7 + 0.05 = 0.695; cloud: 0.8575; 0.695 ≥ 0.7 × 0.8575.
    const list = [cloud(0.95), local(0.7)];
    const scores = scoreDeployments(list, PROFILES.quality, request());
    expect(orderByScore(list, scores, 0.7)).toBe(true);
    expect(ids(list)).toEqual(["local", "cloud"]);
    expect(scores[0]).toBeCloseTo(0.695);
  });

  it("does not prefer local when the share is out of reach", () => {
    const list = [cloud(0.95), local(0.7)];
    const scores = scoreDeployments(list, PROFILES.quality, request());
    expect(orderByScore(list, scores, 0.9)).toBe(false);
    expect(ids(list)).toEqual(["cloud", "local"]);
  });

  it("keeps the pool's order between equal scores", () => {
    const list = [candidate("a"), candidate("b"), candidate("c")];
    orderByScore(list, [0.5, 0.5, 0.5], 0.7);
    expect(ids(list)).toEqual(["a", "b", "c"]);
  });
});
