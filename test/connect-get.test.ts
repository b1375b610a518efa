import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import type { DescMethod } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLlmgwClient, createNodeTransport, createWebTransport, userMessage } from "../sdk/index.ts";
import { ACCESS, ACCESS_CONFIG, ADMIN_KEY, USER_KEY } from "./harness/rpc-access.ts";
import { generatedServices, methodName } from "./harness/rpc-catalogue.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * Every read-only RPC (`idempotency_level = NO_SIDE_EFFECTS`) answers
 * Connect's GET, the message as JSON in the query: curl-friendly and
 * cacheable. Auth is the same as over POST: no key is 401, a key that is not
 * an admin key is 403 on an admin method, and the SDK's transports send
 * these methods as GET when asked (`useHttpGet`).
 */

const ADMIN = ADMIN_KEY;
const USER = USER_KEY;

const chat = { model: "mock-small", messages: [{ role: "ROLE_USER", content: [{ text: "Hello" }] }] };

/** A meaningful request per method (JSON, proto3 names); the rest are sent `{}`. */
const SAMPLE: Record<string, unknown> = {
  "llmgw.v1.ModelsService/GetModel": { id: "mock:mock-small" },
  "llmgw.v1.RoutingService/ExplainRoute": { chat },
  "llmgw.v1.CacheService/LookupCache": { request: chat },
  "llmgw.v1.KeysService/GetKey": { name: "app" },
  "llmgw.v1.AuditService/GetAuditRecord": { id: "no-such-record" },
  "llmgw.v1.UsageService/GetUsage": { key: "app" },
  "llmgw.v1.BudgetService/GetSpend": { key: "app" },
};

/** What an admin key gets where the sample names nothing that exists; 200 otherwise. */
const ADMIN_STATUS: Readonly<Record<string, number>> = {
  "llmgw.v1.AuditService/GetAuditRecord": 404,
};

const services = await generatedServices();
const readOnly = services
  .flatMap((s) => s.methods)
  .filter((m) => m.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS);

describe("Connect GET on the read-only RPCs", () => {
  let gw: TestGateway;
  const served = new Set<string>();

  beforeAll(async () => {
    gw = await startTestGateway({ config: ACCESS_CONFIG });
    for (const service of services) {
      const res = await fetch(`${gw.url}/${service.typeName}/${service.methods[0]?.name}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN}` },
        body: "{}",
      });
      await res.arrayBuffer();
      if (res.status !== 404) served.add(service.typeName);
    }
    // The benchmark reads name a run: start a real one (one task) so they have one to read.
    const started = await fetch(`${gw.url}/llmgw.v1.BenchmarkService/StartRun`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({ models: ["mock-small"], taskIds: ["knowledge-physics"] }),
    });
    const { run } = (await started.json()) as { run: { id: string } };
    SAMPLE["llmgw.v1.BenchmarkService/GetRun"] = { id: run.id };
    SAMPLE["llmgw.v1.BenchmarkService/GetResults"] = { runId: run.id };
  });
  afterAll(async () => {
    await gw?.close();
  });

  const get = async (method: DescMethod, key?: string) => {
    const message = encodeURIComponent(JSON.stringify(SAMPLE[methodName(method)] ?? {}));
    const res = await fetch(`${gw.url}/${methodName(method)}?connect=v1&encoding=json&message=${message}`, {
      headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
    });
    const text = await res.text();
    return { status: res.status, body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>) };
  };

  it("finds the read-only methods marked in proto", () => {
    expect(readOnly.map(methodName)).toEqual(
      expect.arrayContaining(["llmgw.v1.ModelsService/ListModels", "llmgw.v1.KeysService/GetCurrentKey"]),
    );
    // Nothing that changes state is marked read-only.
    for (const m of readOnly) expect(m.name).not.toMatch(/^(Create|Update|Set|Revoke|Invalidate|Start)/);
  });

  describe.each(readOnly)("$parent.name/$name", (method) => {
    const access = ACCESS[methodName(method)];

    it("answers a GET with no key 401 Unauthenticated", async (ctx) => {
      if (!served.has(method.parent.typeName)) ctx.skip();
      expect(await get(method)).toMatchObject({ status: 401, body: { code: "unauthenticated" } });
    });

    it(
      access === "admin"
        ? "refuses a key that is not an admin key with 403"
        : "answers any key's GET with 200",
      async (ctx) => {
        if (!served.has(method.parent.typeName)) ctx.skip();
        const answer = await get(method, USER);
        if (access === "admin")
          expect(answer).toMatchObject({ status: 403, body: { code: "permission_denied" } });
        else expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      },
    );

    it("answers an admin key's GET", async (ctx) => {
      if (!served.has(method.parent.typeName)) ctx.skip();
      const answer = await get(method, ADMIN);
      expect(answer.status, JSON.stringify(answer.body)).toBe(ADMIN_STATUS[methodName(method)] ?? 200);
    });
  });

  it("does not serve GET to a method that changes state", async () => {
    const message = encodeURIComponent(JSON.stringify({ name: "sneaky" }));
    const res = await fetch(
      `${gw.url}/llmgw.v1.KeysService/CreateKey?connect=v1&encoding=json&message=${message}`,
      {
        headers: { authorization: `Bearer ${ADMIN}` },
      },
    );
    await res.arrayBuffer();
    expect(res.status).toBe(405);
    const admin = createLlmgwClient(
      createNodeTransport({ baseUrl: gw.url, apiKey: ADMIN, protocol: "connect" }),
    );
    const { keys } = await admin.keys.listKeys({});
    expect(keys.map((k) => k.name)).not.toContain("sneaky");
  });

  it("lets the SDK's web transport send read-only calls as GET, and the rest as POST", async () => {
    const sent: string[] = [];
    const recording: typeof fetch = (input, init) => {
      sent.push(
        `${init?.method ?? "GET"} ${new URL(String(input instanceof Request ? input.url : input)).pathname}`,
      );
      return fetch(input, init);
    };
    const llmgw = createLlmgwClient(
      createWebTransport({
        baseUrl: gw.url,
        apiKey: USER,
        protocol: "connect",
        useHttpGet: true,
        fetch: recording,
      }),
    );
    const { models } = await llmgw.models.listModels({});
    expect(models.map((m) => m.id)).toContain("mock:mock-small");
    const reply = await llmgw.chat.complete({ chat: { model: "mock-small", messages: [userMessage("hi")] } });
    expect(reply.usage?.completionTokens).toBe(16);
    expect(sent).toEqual(["GET /llmgw.v1.ModelsService/ListModels", "POST /llmgw.v1.ChatService/Complete"]);
  });

  it("lets the SDK's Node transport send read-only calls as GET", async () => {
    // A recording proxy in front of the gateway sees each request's method as sent on the wire.
    const seen: string[] = [];
    const proxy = createServer((req, res) => {
      seen.push(`${req.method} ${new URL(req.url ?? "/", "http://x").pathname}`);
      const upstream = request(
        { host: "127.0.0.1", port: gw.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = proxy.address() as AddressInfo;
      const llmgw = createLlmgwClient(
        createNodeTransport({
          baseUrl: `http://127.0.0.1:${port}`,
          apiKey: USER,
          protocol: "connect",
          useHttpGet: true,
        }),
      );
      const { key } = await llmgw.keys.getCurrentKey({});
      expect(key).toMatchObject({ name: "app", admin: false });
      expect((await llmgw.models.getModel({ id: "mock:mock-small" })).model?.id).toBe("mock:mock-small");
      await llmgw.chat.complete({ chat: { model: "mock-small", messages: [userMessage("hi")] } });
      expect(seen).toEqual([
        "GET /llmgw.v1.KeysService/GetCurrentKey",
        "GET /llmgw.v1.ModelsService/GetModel",
        "POST /llmgw.v1.ChatService/Complete",
      ]);
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});
