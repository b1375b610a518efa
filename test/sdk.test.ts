import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import {
  createLlmgwClient,
  createNodeTransport,
  ErrorDetailSchema,
  FinishReason,
  streamText,
  systemMessage,
  userMessage,
} from "../sdk/index.ts";
import { useTestGateway } from "./harness/gateway-hooks.ts";
import type { TestGateway } from "./harness/start-gateway.ts";

const KEY = "sk-sdk-test-123456";

describe.each(["grpc", "grpc-web", "connect"] as const)("the TypeScript SDK over %s", (protocol) => {
  let gw: TestGateway;
  useTestGateway({ config: { keys: [{ name: "sdk", key: KEY }] } }, (started) => {
    gw = started;
  });
  const client = () => createLlmgwClient(createNodeTransport({ baseUrl: gw.url, apiKey: KEY, protocol }));

  it("completes a chat with the API key it was given", async () => {
    const reply = await client().chat.complete({
      chat: { model: "mock-small", messages: [systemMessage("Be brief."), userMessage("Hello there")] },
    });
    expect(reply.choices[0]?.finishReason).toBe(FinishReason.STOP);
    expect(reply.usage?.completionTokens).toBe(16);
    expect(reply.gateway?.provider).toBe("mock");
  });

  it("streams text that adds up to the unary answer", async () => {
    const chat = { model: "mock-small", messages: [userMessage("Hello there")] };
    const whole = await client().chat.complete({ chat });
    let text = "";
    for await (const piece of streamText(client().chat.stream({ chat }))) text += piece;
    const part = whole.choices[0]?.message?.content[0]?.part;
    expect(text).toBe(part?.case === "text" ? part.value : undefined);
  });

  it("lists models and embeds text", async () => {
    const { models } = await client().models.listModels({});
    expect(models.map((m) => m.id)).toContain("mock:mock-small");
    const embedded = await client().embeddings.embed({ model: "mock-small", inputs: ["a", "b"] });
    expect(embedded.embeddings).toHaveLength(2);
  });

  it("surfaces a missing key as Unauthenticated with the gateway's error detail", async () => {
    const anonymous = createLlmgwClient(createNodeTransport({ baseUrl: gw.url, protocol }));
    const error = await anonymous.models.listModels({}).catch((e: unknown) => ConnectError.from(e));
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.Unauthenticated);
    expect((error as ConnectError).findDetails(ErrorDetailSchema)[0]?.code).toBe("unauthenticated");
  });
});
