import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import * as browser from "../sdk/browser.ts";
import {
  completeText,
  createLlmgwClient,
  createNodeTransport,
  embed,
  getCurrentKey,
  getModel,
  getStats,
  getUsage,
  type LlmgwClient,
  listDeployments,
  listModels,
  userMessage,
} from "../sdk/index.ts";
import { useTestGateway } from "./harness/gateway-hooks.ts";
import { ACCESS_CONFIG, ADMIN_KEY, USER_KEY } from "./harness/rpc-access.ts";
import { generatedServices, methodName } from "./harness/rpc-catalogue.ts";
import type { TestGateway } from "./harness/start-gateway.ts";

/**
 * The SDK has a typed helper for every RPC of every control service (the
 * benchmark helpers live in sdk/benchmarks.ts, written with that service),
 * exported from the browser entry and so from the Node one; and the helpers
 * added with this table answer in plain numbers from a real gateway.
 */

/** Each RPC's helper, by its export name. */
const HELPER: Readonly<Record<string, string>> = {
  "llmgw.v1.AuditService/QueryAudit": "queryAudit",
  "llmgw.v1.AuditService/GetAuditRecord": "getAuditRecord",
  "llmgw.v1.AuditService/ExportAudit": "exportAudit",
  "llmgw.v1.BudgetService/GetBudget": "getBudget",
  "llmgw.v1.BudgetService/ListBudgets": "listBudgets",
  "llmgw.v1.BudgetService/SetBudget": "setBudget",
  "llmgw.v1.BudgetService/GetSpend": "getSpend",
  "llmgw.v1.CacheService/GetCacheStats": "getCacheStats",
  "llmgw.v1.CacheService/InvalidateCache": "invalidateCache",
  "llmgw.v1.CacheService/LookupCache": "lookupCache",
  "llmgw.v1.ChatService/Complete": "completeText",
  "llmgw.v1.ChatService/Stream": "streamChatText",
  "llmgw.v1.EmbeddingsService/Embed": "embed",
  "llmgw.v1.KeysService/GetCurrentKey": "getCurrentKey",
  "llmgw.v1.KeysService/CreateKey": "createKey",
  "llmgw.v1.KeysService/ListKeys": "listKeys",
  "llmgw.v1.KeysService/GetKey": "getKey",
  "llmgw.v1.KeysService/UpdateKey": "updateKey",
  "llmgw.v1.KeysService/RevokeKey": "revokeKey",
  "llmgw.v1.ModelsService/ListModels": "listModels",
  "llmgw.v1.ModelsService/GetModel": "getModel",
  "llmgw.v1.RoutingService/ExplainRoute": "explainRoute",
  "llmgw.v1.RoutingService/ListDeployments": "listDeployments",
  "llmgw.v1.RoutingService/GetRoutingConfig": "getRoutingConfig",
  "llmgw.v1.RoutingService/UpdateRoutingConfig": "updateRoutingConfig",
  "llmgw.v1.UsageService/GetUsage": "getUsage",
  "llmgw.v1.UsageService/WatchUsage": "watchUsage",
  "llmgw.v1.UsageService/GetStats": "getStats",
};

const services = await generatedServices();

describe("the SDK's helpers", () => {
  it("cover every RPC of every service but the benchmarks, from the browser entry", () => {
    const methods = services
      .filter((s) => s.typeName !== "llmgw.v1.BenchmarkService")
      .flatMap((s) => s.methods)
      .map(methodName);
    expect(methods.filter((m) => HELPER[m] === undefined)).toEqual([]);
    const exported = browser as Record<string, unknown>;
    for (const name of Object.values(HELPER)) expect(typeof exported[name], name).toBe("function");
    // Every service has its raw client on LlmgwClient too.
    const client = createLlmgwClient(createNodeTransport({ baseUrl: "http://127.0.0.1:1" }));
    const raw = Object.values(client).map((c) => Object.keys(c as object).length);
    expect(raw).toHaveLength(services.length);
  });

  describe("against a gateway", () => {
    let gw: TestGateway;
    let admin: LlmgwClient;
    let user: LlmgwClient;
    const routing = { models: [{ name: "smart", deployments: [{ provider: "mock", model: "mock-small" }] }] };
    useTestGateway({ config: { ...ACCESS_CONFIG, routing } }, (started) => {
      gw = started;
      admin = createLlmgwClient(createNodeTransport({ baseUrl: gw.url, apiKey: ADMIN_KEY }));
      user = createLlmgwClient(
        createNodeTransport({ baseUrl: gw.url, apiKey: USER_KEY, protocol: "connect" }),
      );
    });

    it("lists and gets models", async () => {
      const models = await listModels(user);
      expect(models.map((m) => m.id)).toContain("mock:mock-small");
      expect((await getModel(user, "mock:mock-small")).provider).toBe("mock");
      expect(await listModels(user, "no-such-provider")).toEqual([]);
      const missing = await getModel(user, "mock:nope").catch((e: unknown) => ConnectError.from(e));
      expect((missing as ConnectError).code).toBe(Code.NotFound);
    });

    it("embeds text, a vector per input in input order", async () => {
      const { vectors, promptTokens } = await embed(user, "mock-small", ["a cat", "a dog", "a cat"]);
      expect(vectors).toHaveLength(3);
      expect(vectors[0]?.length).toBeGreaterThan(0);
      expect(vectors[0]).toEqual(vectors[2]);
      expect(vectors[0]).not.toEqual(vectors[1]);
      expect(promptTokens).toBeGreaterThan(0);
    });

    it("reads usage in plain numbers, a key's own only, and stats for an admin", async () => {
      expect(await completeText(user, { model: "mock-small", messages: [userMessage("count me")] })).toMatch(
        /^lorem ipsum/,
      );
      const rows = await getUsage(user, { end: new Date(Date.now() + 60_000) });
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) expect(row.key).toBe("app");
      expect(rows.reduce((n, r) => n + r.requests, 0)).toBeGreaterThanOrEqual(1);
      expect(typeof rows[0]?.completionTokens).toBe("number");

      const { windowSeconds, stats } = await getStats(admin, { model: "mock-small" });
      expect(windowSeconds).toBeGreaterThan(0);
      expect(stats[0]).toMatchObject({ provider: "mock", model: "mock-small" });
      expect(stats[0]?.requests).toBeGreaterThanOrEqual(1);
      const refused = await getStats(user).catch((e: unknown) => ConnectError.from(e));
      expect((refused as ConnectError).code).toBe(Code.PermissionDenied);
    });

    it("tells a key who it is, and lists the deployments' live state", async () => {
      expect(await getCurrentKey(user)).toMatchObject({ name: "app", admin: false });
      expect(await getCurrentKey(admin)).toMatchObject({ name: "ops", admin: true });
      const deployments = await listDeployments(user);
      expect(deployments).toHaveLength(1);
      expect(deployments[0]).toMatchObject({
        model: "smart",
        provider: "mock",
        upstreamModel: "mock-small",
        healthy: true,
      });
    });
  });
});
