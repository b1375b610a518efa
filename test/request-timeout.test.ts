import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatService, Role } from "../gen/llmgw/v1/chat_pb.js";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

describe("the gateway's request timeout", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ config: { server: { request_timeout_ms: 400 } } });
  });
  afterAll(async () => {
    await gw.close();
  });

  it("bounds an RPC that set no deadline of its own, and aborts the upstream", async () => {
    const client = createClient(ChatService, createGrpcTransport({ baseUrl: gw.url }));
    const started = Date.now();
    const error = await client
      .complete({
        chat: {
          model: "mock-small",
          messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "slow" } }] }],
          extra: { mock: { ttft_ms: 5_000 } },
        },
      })
      .catch((e: unknown) => ConnectError.from(e));
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.DeadlineExceeded);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await gw.mock.waitForAbort(3_000)).aborted).toBe(true);
  });

  it("bounds a REST request the same way, with a 504", async () => {
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "mock-small",
        messages: [{ role: "user", content: "slow" }],
        mock: { ttft_ms: 5_000 },
      }),
    });
    expect(response.status).toBe(504);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("deadline_exceeded");
  });
});
