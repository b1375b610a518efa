import { Code, ConnectError } from "@connectrpc/connect";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLlmgwClient, createNodeTransport, explainRoute, userMessage } from "../sdk/index.ts";
import { failure, HELLO, openaiClient } from "./harness/openai-client.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * A config key's scope and lifecycle, end to end through the `openai` SDK and the SDK's gRPC client:
 * a key limited to one model is refused another with 403 permission_denied in OpenAI's format and
 * PermissionDenied over RPC; a key limited to a provider is never served by another; an expired or
 * disabled key is refused at authentication, saying why.
 */

const MINI = "sk-scope-mini-0001";
const SECOND = "sk-scope-second-01";
const EXPIRED = "sk-scope-expired-1";
const DISABLED = "sk-scope-disabled";

describe("key scopes and lifecycle for config keys", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      config: (mockUrl) => ({
        providers: [
          { name: "mock", base_url: `${mockUrl}/v1`, models: ["gpt-4o-mini", "claude-sonnet"] },
          { name: "second", base_url: `${mockUrl}/v1`, models: ["claude-sonnet"] },
        ],
        routing: {
          models: [
            {
              name: "claude-sonnet",
              deployments: [
                { provider: "mock", model: "claude-sonnet" },
                { provider: "second", model: "claude-sonnet", priority: 1 },
              ],
            },
          ],
        },
        keys: [
          { name: "mini", key: MINI, models: ["gpt-4o-mini"] },
          { name: "second-only", key: SECOND, providers: ["second"] },
          { name: "expired", key: EXPIRED, expires_at: "2021-06-01T12:00:00Z" },
          { name: "disabled", key: DISABLED, enabled: false },
        ],
      }),
    });
  });
  afterAll(async () => {
    await gw.close();
  });

  it("lists only the models a scoped key may use, over REST and RPC", async () => {
    const rest = await openaiClient(gw, MINI).models.list();
    expect(rest.data.map((m) => m.id)).toEqual(["mock:gpt-4o-mini"]);
    await expect(openaiClient(gw, MINI).models.retrieve("mock:claude-sonnet")).rejects.toMatchObject({
      status: 404,
    });
    const rpc = createLlmgwClient(createNodeTransport({ baseUrl: gw.url, apiKey: SECOND, protocol: "grpc" }));
    const { models } = await rpc.models.listModels({});
    // Every model of its one provider (the mock's own list is discovered too), and nothing of the other.
    expect(models.map((m) => m.id)).toContain("second:claude-sonnet");
    expect(models.length).toBeGreaterThan(0);
    expect(models.every((m) => m.provider === "second")).toBe(true);
  });

  it("serves a scoped key the model it may use", async () => {
    const reply = await openaiClient(gw, MINI).chat.completions.create({
      model: "gpt-4o-mini",
      messages: HELLO,
    });
    expect(reply.choices[0]?.message.content).toBeTruthy();
  });

  it("refuses a key limited to gpt-4o-mini for claude-sonnet: 403 permission_error in OpenAI's format", async () => {
    const before = gw.mock.requests.length;
    const error = await failure(
      openaiClient(gw, MINI).chat.completions.create({ model: "claude-sonnet", messages: HELLO }),
    );
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    const denied = error as InstanceType<typeof OpenAI.PermissionDeniedError>;
    expect(denied.status).toBe(403);
    expect(denied.error).toMatchObject({ type: "permission_error", param: "model" });
    expect(denied.message).toContain('"claude-sonnet"');
    expect(gw.mock.requests.length).toBe(before);
  });

  it("refuses it over RPC with PermissionDenied", async () => {
    for (const protocol of ["grpc", "connect"] as const) {
      const client = createLlmgwClient(createNodeTransport({ baseUrl: gw.url, apiKey: MINI, protocol }));
      const error = await failure(
        client.chat.complete({ chat: { model: "claude-sonnet", messages: [userMessage("Hi")] } }),
      );
      expect(error, protocol).toBeInstanceOf(ConnectError);
      expect((error as ConnectError).code, protocol).toBe(Code.PermissionDenied);
      expect((error as ConnectError).rawMessage, protocol).toContain('"claude-sonnet"');
    }
  });

  it("serves a provider-limited key only from that provider's deployments", async () => {
    const reply = await openaiClient(gw, SECOND).chat.completions.create({
      model: "claude-sonnet",
      messages: HELLO,
    });
    expect((reply as unknown as { "x-llmgw": { provider: string } })["x-llmgw"].provider).toBe("second");
    // gpt-4o-mini has no deployment on `second`: nothing is left to serve it.
    const error = await failure(
      openaiClient(gw, SECOND).chat.completions.create({ model: "gpt-4o-mini", messages: HELLO }),
    );
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
  });

  it("explains the route a scoped key would really get over ExplainRoute", async () => {
    const sdk = (key: string) =>
      createLlmgwClient(createNodeTransport({ baseUrl: gw.url, apiKey: key, protocol: "connect" }));
    const second = await explainRoute(sdk(SECOND), "claude-sonnet", "Hello");
    expect(second.deployment).toBe("second:claude-sonnet");
    const mock = second.candidates.find((c) => c.provider === "mock");
    expect(mock).toMatchObject({ eligible: false });
    await expect(explainRoute(sdk(MINI), "claude-sonnet", "Hello")).rejects.toMatchObject({
      code: Code.PermissionDenied,
    });
  });

  it("refuses an expired key at authentication, saying when it expired", async () => {
    const error = await failure(
      openaiClient(gw, EXPIRED).chat.completions.create({ model: "gpt-4o-mini", messages: HELLO }),
    );
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as Error).message).toContain("API key expired at 2021-06-01T12:00:00.000Z");
    expect((error as Error).message).not.toContain(EXPIRED);
    const rpc = createLlmgwClient(createNodeTransport({ baseUrl: gw.url, apiKey: EXPIRED }));
    const rpcError = await failure(rpc.models.listModels({}));
    expect((rpcError as ConnectError).code).toBe(Code.Unauthenticated);
  });

  it("refuses a disabled key, saying it is disabled", async () => {
    const error = await failure(
      openaiClient(gw, DISABLED).chat.completions.create({ model: "gpt-4o-mini", messages: HELLO }),
    );
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as Error).message).toContain("API key is disabled");
  });
});
