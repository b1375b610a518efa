import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { RoutingHintsSchema } from "../../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../../errors/gateway-error.ts";
import { parseChatRequest } from "./parse-chat-request.ts";

const body = (fields: Record<string, unknown>) => ({
  model: "m",
  messages: [{ role: "user", content: "hi" }],
  ...fields,
});

describe("parseChatRequest: routing overrides", () => {
  it("has no routing when neither headers nor body say anything", () => {
    expect(parseChatRequest(body({})).request.routing).toBeUndefined();
  });

  it("reads x-routing-strategy and x-prefer-provider (trimmed) and keeps them out of extra", () => {
    const { request } = parseChatRequest(
      body({ "x-routing-strategy": " latency ", "x-prefer-provider": "ollama", top_k: 5 }),
    );
    expect(request.routing?.strategy).toBe("latency");
    expect(request.routing?.preferProvider).toBe("ollama");
    expect(request.extra).toEqual({ top_k: 5 });
  });

  it("leaves extra unset when the routing fields were the only unmodeled ones", () => {
    const { request } = parseChatRequest(body({ "x-routing-strategy": "cost" }));
    expect(request.extra).toBeUndefined();
    expect(request.routing?.strategy).toBe("cost");
  });

  it("lets the headers win, field by field", () => {
    const fromHeaders = create(RoutingHintsSchema, { strategy: "ttft", noFallback: true, priority: 3 });
    const { request } = parseChatRequest(
      body({ "x-routing-strategy": "cost", "x-prefer-provider": "ollama" }),
      fromHeaders,
    );
    expect(request.routing?.strategy).toBe("ttft");
    expect(request.routing?.preferProvider).toBe("ollama");
    expect(request.routing?.noFallback).toBe(true);
    expect(request.routing?.priority).toBe(3);
  });

  it("keeps the headers' hints when the body has none", () => {
    const fromHeaders = create(RoutingHintsSchema, { preferProvider: "openai" });
    const { request } = parseChatRequest(body({}), fromHeaders);
    expect(request.routing?.preferProvider).toBe("openai");
    expect(request.routing?.strategy).toBe("");
  });

  it("treats null and blank fields as absent", () => {
    const { request } = parseChatRequest(body({ "x-routing-strategy": null, "x-prefer-provider": "  " }));
    expect(request.routing).toBeUndefined();
    expect(request.extra).toBeUndefined();
  });

  it.each([
    ["x-routing-strategy", 3],
    ["x-prefer-provider", { name: "ollama" }],
    ["x-routing-strategy", ["cost"]],
  ])("refuses a non-string %s, naming the field", (field, value) => {
    let error: unknown;
    try {
      parseChatRequest(body({ [field]: value }));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe("invalid_request");
    expect((error as GatewayError).param).toBe(field);
    expect((error as GatewayError).message).toContain("must be a string");
  });
});
