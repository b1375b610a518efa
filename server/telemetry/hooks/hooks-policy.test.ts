import { create } from "@bufbuild/protobuf";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { CompleteResponseSchema } from "../../../gen/llmgw/v1/chat_pb.js";
import { createCall } from "../../core/call.ts";
import { compose, type Next } from "../../core/chain.ts";
import type { Outcome } from "../../core/end-hooks.ts";
import { withEndHooks } from "../../core/end-runner.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import { hooksPolicy } from "./hooks-policy.ts";
import type { RequestInfo, TelemetryHooks } from "./telemetry-hooks.ts";

function call() {
  const c = createCall({
    requestId: "r1",
    surface: "openai",
    signal: new AbortController().signal,
    startedAt: performance.now(),
    deadline: Number.POSITIVE_INFINITY,
    credential: undefined,
    op: "chat",
    stream: false,
  });
  c.chat = { model: "m1" } as never;
  return c;
}

const answer: Next = async (c) => {
  c.key = { name: "alice", admin: false, priority: 0, team: "t1" };
  return { kind: "complete", response: create(CompleteResponseSchema) };
};
const refuse: Next = async () => {
  throw new GatewayError("rate_limited", "slow down");
};

/** A logger that keeps what it was told. */
function memoryLog() {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: "error" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

function run(hooks: TelemetryHooks, next: Next) {
  const { log, lines } = memoryLog();
  return { pipeline: withEndHooks(compose([hooksPolicy(hooks, log)], next), () => {}), lines };
}

describe("the telemetry hooks", () => {
  it("tell the start, then the end with its outcome and what auth learnt", async () => {
    const seen: string[] = [];
    let ended: [Outcome, RequestInfo] | undefined;
    const { pipeline } = run(
      {
        onRequestStart: (r) => seen.push(`start ${r.requestId} ${r.model} ${r.key}`),
        onRequestEnd: (o, r) => {
          ended = [o, r];
        },
        onError: () => seen.push("error"),
      },
      answer,
    );
    await pipeline(call());
    expect(seen).toEqual(["start r1 m1 "]);
    expect(ended?.[0].status).toBe("ok");
    expect(ended?.[1]).toEqual({
      requestId: "r1",
      surface: "openai",
      operation: "chat",
      model: "m1",
      stream: false,
      key: "alice",
      team: "t1",
      traceId: "",
    });
  });

  it("tell a refusal to onRequestEnd and onError, with the caller's error", async () => {
    const errors: string[] = [];
    const statuses: string[] = [];
    const { pipeline } = run(
      { onRequestEnd: (o) => statuses.push(o.status), onError: (e) => errors.push(e.code) },
      refuse,
    );
    await expect(pipeline(call())).rejects.toMatchObject({ code: "rate_limited" });
    expect(statuses).toEqual(["rate_limited"]);
    expect(errors).toEqual(["rate_limited"]);
  });

  it("log a throwing hook and never break the request or the hooks after it", async () => {
    const errors: string[] = [];
    const boom = () => {
      throw new Error("hook bug");
    };
    const ok = run({ onRequestStart: boom, onRequestEnd: boom }, answer);
    await expect(ok.pipeline(call())).resolves.toMatchObject({ kind: "complete" });
    expect(ok.lines.map((l) => l.hook)).toEqual(["onRequestStart", "onRequestEnd"]);
    expect(ok.lines[0]?.msg).toBe("a telemetry hook threw");

    const refused = run({ onRequestEnd: boom, onError: (e) => errors.push(e.code) }, refuse);
    await expect(refused.pipeline(call())).rejects.toMatchObject({ code: "rate_limited" });
    expect(errors).toEqual(["rate_limited"]);
  });
});
