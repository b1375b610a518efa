import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { CompleteResponseSchema } from "../../../gen/llmgw/v1/chat_pb.js";
import { type Call, createCall } from "../../core/call.ts";
import type { Answer, Attempt } from "../../core/chain.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { ProviderAdapter } from "../../providers/adapter.ts";
import { adHocDeployment } from "../ad-hoc-deployment.ts";
import type { Deployment } from "../deployment.ts";
import type { RetrySettings } from "./backoff.ts";
import { fallbackOverPlan } from "./fallback.ts";

const SETTINGS: RetrySettings = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 50 };
const answer: Answer = { kind: "complete", response: create(CompleteResponseSchema) };

function deployment(provider: string): Deployment {
  return adHocDeployment({ adapter: {} as ProviderAdapter, provider, model: "m", pricing: undefined });
}

function call(
  deployments: Deployment[],
  fallback = true,
  signal = new AbortController().signal,
  deadline = Number.POSITIVE_INFINITY,
): Call {
  const c = createCall({
    requestId: "r1",
    surface: "test",
    signal,
    startedAt: performance.now(),
    deadline,
    credential: undefined,
    op: "chat",
    stream: false,
  });
  c.plan = {
    requested: "chat",
    deployments,
    decision: { strategy: "weighted", score: undefined, complexity: "" },
    fallback,
    priority: 0,
  };
  return c;
}

/** A fake attempt that answers from a script per deployment: an error to throw, or "ok". */
function scripted(script: Record<string, Array<GatewayError | "ok">>, trail: string[]): Attempt {
  return async (c, d) => {
    trail.push(d.provider);
    const step = script[d.provider]?.shift() ?? "ok";
    if (step === "ok") {
      c.attempts++;
      return answer;
    }
    if (step.code !== "queue_full" && step.code !== "circuit_open") c.attempts++;
    throw step;
  };
}

const failed = (code: "upstream_error" | "upstream_unavailable", message = "boom") =>
  new GatewayError(code, message);

describe("the fallback loop", () => {
  it("falls back to the next deployment when the first fails before its first byte", async () => {
    const [a, b] = [deployment("a"), deployment("b")];
    const trail: string[] = [];
    const run = fallbackOverPlan(SETTINGS, scripted({ a: [failed("upstream_error")] }, trail));
    const c = call([a, b]);
    expect(await run(c)).toBe(answer);
    expect(trail).toEqual(["a", "b"]);
    expect(c.attempts).toBe(2);
  });

  it("retries a lone deployment with backoff, up to max_attempts, and then gives its own error", async () => {
    const trail: string[] = [];
    const error = failed("upstream_error", "500 from a");
    const run = fallbackOverPlan(SETTINGS, scripted({ a: [error, error, error, error] }, trail));
    const c = call([deployment("a")]);
    await expect(run(c)).rejects.toBe(error);
    expect(trail).toEqual(["a", "a", "a"]);
  });

  it("lists every deployment tried when all fail, with one code when they failed alike", async () => {
    const run = fallbackOverPlan(
      { ...SETTINGS, maxAttempts: 2 },
      scripted({ a: [failed("upstream_error", "500")], b: [failed("upstream_unavailable", "refused")] }, []),
    );
    const error = await run(call([deployment("a"), deployment("b")])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe("upstream_unavailable");
    expect((error as GatewayError).message).toBe(
      'every deployment of "chat" failed: a:m (upstream_error: 500); b:m (upstream_unavailable: refused)',
    );
  });

  it("sheds at once with the soonest Retry-After when every queue is full, and makes no upstream attempt", async () => {
    const full = (ms: number) => new GatewayError("queue_full", "full", { retryAfterMs: ms });
    const trail: string[] = [];
    const run = fallbackOverPlan(SETTINGS, scripted({ a: [full(3000)], b: [full(1000)] }, trail));
    const c = call([deployment("a"), deployment("b")]);
    const error = (await run(c).catch((e: unknown) => e)) as GatewayError;
    expect(error.code).toBe("queue_full");
    expect(error.retryAfterMs).toBe(1000);
    expect(trail).toEqual(["a", "b"]);
    expect(c.attempts).toBe(0);
  });

  it("stops at once on an error that is the request's own fault", async () => {
    const trail: string[] = [];
    const bad = new GatewayError("invalid_request", "bad field");
    const run = fallbackOverPlan(SETTINGS, scripted({ a: [bad] }, trail));
    await expect(run(call([deployment("a"), deployment("b")]))).rejects.toBe(bad);
    expect(trail).toEqual(["a"]);
  });

  it("tries only the first deployment when the caller turned fallback off", async () => {
    const trail: string[] = [];
    const error = failed("upstream_error");
    const run = fallbackOverPlan({ ...SETTINGS, maxAttempts: 1 }, scripted({ a: [error] }, trail));
    await expect(run(call([deployment("a"), deployment("b")], false))).rejects.toBe(error);
    expect(trail).toEqual(["a"]);
  });

  it("does not wait for a Retry-After over the cap: that deployment leaves this call's rotation", async () => {
    const trail: string[] = [];
    const limited = new GatewayError("upstream_rate_limited", "429", { retryAfterMs: 60_000 });
    const run = fallbackOverPlan(SETTINGS, scripted({ a: [limited] }, trail));
    const started = performance.now();
    await expect(run(call([deployment("a")]))).rejects.toBe(limited);
    expect(trail).toEqual(["a"]);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("waits a short Retry-After before trying the same deployment again", async () => {
    const trail: string[] = [];
    const limited = new GatewayError("upstream_rate_limited", "429", { retryAfterMs: 40 });
    const run = fallbackOverPlan(SETTINGS, scripted({ a: [limited] }, trail));
    const started = performance.now();
    expect(await run(call([deployment("a")]))).toBe(answer);
    expect(trail).toEqual(["a", "a"]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(39);
  });

  it("gives up waiting when the caller leaves during a backoff", async () => {
    const controller = new AbortController();
    const gone = new GatewayError("cancelled", "the caller went away");
    const slow = new GatewayError("upstream_rate_limited", "429", { retryAfterMs: 50 });
    const run = fallbackOverPlan(SETTINGS, scripted({ a: [slow, slow] }, []));
    const pending = run(call([deployment("a")], true, controller.signal));
    setTimeout(() => controller.abort(gone), 10);
    await expect(pending).rejects.toBe(gone);
  });

  it("does not start a retry whose wait would outlast the caller's deadline", async () => {
    const trail: string[] = [];
    const limited = new GatewayError("upstream_rate_limited", "429", { retryAfterMs: 40 });
    const run = fallbackOverPlan(SETTINGS, scripted({ a: [limited] }, trail));
    const c = call([deployment("a")], true, new AbortController().signal, performance.now() + 20);
    await expect(run(c)).rejects.toBe(limited);
    expect(trail).toEqual(["a"]);
  });
});
