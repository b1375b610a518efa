import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { ProviderAdapter } from "../../providers/adapter.ts";
import { adHocDeployment } from "../ad-hoc-deployment.ts";
import { AttemptRun, type UpstreamClock } from "./attempt-run.ts";

/**
 * The upstream time an attempt adds to its call's clock (what the overhead
 * histogram subtracts), read on a hand-driven performance.now().
 */

let now = 0;
const TIMEOUTS = { totalMs: 60_000, ttftMs: 60_000, interTokenMs: 60_000, unaryFirstByteMs: 60_000 };
const deployment = adHocDeployment(
  { adapter: {} as ProviderAdapter, provider: "p", model: "m", pricing: undefined },
  TIMEOUTS,
);

function run(stream: boolean, clock: UpstreamClock): AttemptRun {
  return new AttemptRun(new AbortController().signal, "r1", deployment, stream, clock);
}

beforeEach(() => {
  now = 1_000;
  vi.spyOn(performance, "now").mockImplementation(() => now);
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("an attempt's upstream clock", () => {
  it("times a unary attempt from sending its request to the last byte, once", () => {
    const clock = { upstreamMs: 0 };
    const attempt = run(false, clock);
    now += 3; // building the request body: the gateway's time
    attempt.upstreamSent();
    now += 2;
    attempt.responseStarted();
    now += 10;
    attempt.upstreamEnded();
    now += 4; // parsing the answer: the gateway's again
    attempt.settle(undefined);
    expect(clock.upstreamMs).toBe(12);
  });

  it("times a stream to its first token only", () => {
    const clock = { upstreamMs: 0 };
    const attempt = run(true, clock);
    attempt.upstreamSent();
    now += 25;
    attempt.tokenArrived();
    now += 500;
    attempt.tokenArrived();
    attempt.settle(undefined);
    expect(clock.upstreamMs).toBe(25);
  });

  it("times an attempt that failed before its adapter said until it settled, and adds attempts up", () => {
    const clock = { upstreamMs: 0 };
    const first = run(true, clock);
    first.upstreamSent();
    now += 7;
    first.settle(new GatewayError("upstream_rate_limited", "429"));
    now += 50; // back-off: the gateway chose to wait
    const second = run(false, clock);
    now += 1;
    second.upstreamSent();
    now += 9;
    second.upstreamEnded();
    second.settle(undefined);
    expect(clock.upstreamMs).toBe(16);
  });

  it("starts the clock at the attempt's start when the adapter never says it sent", () => {
    const clock = { upstreamMs: 0 };
    const attempt = run(false, clock);
    now += 5;
    attempt.settle(undefined);
    expect(clock.upstreamMs).toBe(5);
  });
});
