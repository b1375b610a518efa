import { Writable } from "node:stream";
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { CompleteResponseSchema } from "../../../gen/llmgw/v1/chat_pb.js";
import { TokenUsageSchema } from "../../../gen/llmgw/v1/usage_pb.js";
import { compose, type Next } from "../../core/chain.ts";
import { withEndHooks } from "../../core/end-runner.ts";
import { adHocDeployment } from "../../routing/ad-hoc-deployment.ts";
import type { Route } from "../../routing/model-router.ts";
import { createLogger } from "../../telemetry/logger.ts";
import { requestLogPolicy } from "./request-log-policy.ts";
import { testCall } from "./test-call.ts";

describe("the request log policy", () => {
  it("writes one line per call with its ids, key name, deployment, usage and times, never the credential", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const serve: Next = async (c) => {
      c.served = adHocDeployment({ provider: "mock", model: "m", pricing: undefined } as unknown as Route);
      c.attempts = 1;
      const usage = create(TokenUsageSchema, { promptTokens: 3, completionTokens: 5 });
      return { kind: "complete", response: create(CompleteResponseSchema, { usage }) };
    };
    const policy = requestLogPolicy(createLogger("info", false, sink), () => "trace-1");
    const pipeline = withEndHooks(compose([policy], serve), () => {});
    const call = testCall("asked", "sk-secret-credential");
    await pipeline(call);
    expect(lines).toHaveLength(1);
    const line = lines[0] as string;
    expect(line).not.toContain("sk-secret-credential");
    expect(JSON.parse(line)).toMatchObject({
      msg: "request",
      requestId: "req-1",
      traceId: "trace-1",
      surface: "openai",
      key: "alice",
      model: "asked",
      provider: "mock",
      deployment: "mock:m",
      status: "ok",
      cache: "none",
      attempts: 1,
      promptTokens: 3,
      completionTokens: 5,
    });
    expect(JSON.parse(line).overheadMs).toBeGreaterThanOrEqual(0);
  });
});
