import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AuditEntry,
  createLlmgwClient,
  createNodeTransport,
  getAuditRecord,
  type LlmgwClient,
  queryAudit,
  userMessage,
} from "../sdk/index.ts";
import { auditRecord } from "../server/state/audit-sink-contract.ts";
import { SqliteAuditSink } from "../server/state/sqlite/sqlite-audit-sink.ts";
import { freshWindow } from "./harness/fresh-window.ts";
import { failure, HELLO, openaiClient, TOOL_PROMPT, WEATHER_TOOL } from "./harness/openai-client.ts";
import { PostgresServer } from "./harness/postgres-server.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * The audit log end to end: real clients (the `openai` SDK over REST, the LLMGW SDK over gRPC) call
 * a real gateway, and what they did is read back through AuditService and `GET /v1/audit/export`.
 */

const ADMIN = "sk-audit-admin-0001";
const USER = "sk-audit-user-00001";
const QUIET = "sk-audit-quiet-0001";
const LIMITED = "sk-audit-limit-0001";

const auditFile = (ledgerPath: string) => ledgerPath.replace(/\.db$/, "-audit.db");

describe("the audit log", () => {
  let gw: TestGateway;
  let admin: LlmgwClient;
  const rpc = (apiKey: string) =>
    createLlmgwClient(createNodeTransport({ baseUrl: gw.url, apiKey, protocol: "grpc" }));
  /** The newest record of one request id, once its end hook has run. */
  const recordOf = async (requestId: string): Promise<AuditEntry> => {
    let found: AuditEntry | undefined;
    await expect
      .poll(async () => {
        found = (await queryAudit(admin, {}, { pageSize: 500 })).records.find(
          (r) => r.requestId === requestId,
        );
        return found !== undefined;
      })
      .toBe(true);
    return found as AuditEntry;
  };

  beforeAll(async () => {
    gw = await startTestGateway({
      config: {
        keys: [
          { name: "ops", key: ADMIN, admin: true },
          { name: "app", key: USER },
          { name: "quiet", key: QUIET },
          { name: "limited", key: LIMITED },
        ],
        limits: { keys: { limited: [{ requests: 1, window: "1m" }] } },
        audit: {
          enabled: true,
          mode: "full",
          keys: { quiet: "metadata-only" },
          retention_days: 1,
          flush_interval_ms: 20,
          prune_interval_ms: 100,
        },
      },
    });
    admin = rpc(ADMIN);
  });
  afterAll(async () => {
    await gw?.close();
  });

  it("records an OpenAI REST call with its payloads, tools and hash", async () => {
    const { data, response } = await openaiClient(gw, USER)
      .chat.completions.create({
        model: "mock-small",
        messages: [{ role: "system", content: "Be brief." }, ...TOOL_PROMPT],
        tools: [WEATHER_TOOL],
      })
      .withResponse();
    const record = await recordOf(response.headers.get("x-request-id") as string);
    expect(record).toMatchObject({
      surface: "openai",
      key: "app",
      model: "mock-small",
      provider: "mock",
      status: "ok",
      mode: "full",
      toolsOffered: ["get_weather"],
      toolCalls: ["get_weather"],
      hasSystemPrompt: true,
    });
    expect(record.requestHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(record.request).messages[1].content[0].text).toContain("weather in Paris");
    expect(JSON.parse(record.response).choices[0].message.toolCalls[0].name).toBe("get_weather");
    expect(record.promptTokens).toBe(data.usage?.prompt_tokens);
    expect((await getAuditRecord(admin, record.id)).requestId).toBe(record.requestId);
  });

  it("records an RPC call, and finds it by free text", async () => {
    const marker = `Zebra-${Date.now()}`;
    await rpc(USER).chat.complete({
      chat: { model: "mock-small", messages: [userMessage(`hello ${marker}`)] },
    });
    const { records } = await queryAudit(admin, { text: marker.toLowerCase() });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ surface: "rpc", key: "app", status: "ok" });
    expect(records[0]?.response).toContain("choices");
  });

  it("stores a streamed answer assembled into one", async () => {
    const stream = await openaiClient(gw, USER).chat.completions.create({
      model: "mock-small",
      messages: HELLO,
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
    }
    expect(text.length).toBeGreaterThan(0);
    let record: AuditEntry | undefined;
    await expect
      .poll(async () => {
        const { records } = await queryAudit(admin, { key: "app" });
        record = records.find(
          (r) => r.response.includes('"finishReason"') && JSON.parse(r.response).choices[0].text === text,
        );
        return record !== undefined;
      })
      .toBe(true);
    const response = JSON.parse((record as AuditEntry).response);
    expect(response.choices[0]).toMatchObject({ text, finishReason: "FINISH_REASON_STOP" });
    expect(response.usage.completionTokens).toBeGreaterThan(0);
  });

  it("records refusals with their status: a bad key, and a call over the rate limit", async () => {
    await freshWindow(60_000, 10_000);
    await failure(
      openaiClient(gw, "sk-not-a-key").chat.completions.create({ model: "mock-small", messages: HELLO }),
    );
    await openaiClient(gw, LIMITED).chat.completions.create({ model: "mock-small", messages: HELLO });
    await failure(
      openaiClient(gw, LIMITED).chat.completions.create({ model: "mock-small", messages: HELLO }),
    );
    await expect
      .poll(async () => (await queryAudit(admin, { status: "unauthenticated" })).records.length)
      .toBeGreaterThan(0);
    const limited = (await queryAudit(admin, { key: "limited" })).records.map((r) => r.status);
    expect(limited.sort()).toEqual(["ok", "rate_limited"]);
  });

  it("stores no payload in metadata-only mode (a per-key override), and the header lowers full to it", async () => {
    const quiet = await openaiClient(gw, QUIET)
      .chat.completions.create({ model: "mock-small", messages: HELLO })
      .withResponse();
    const asked = await openaiClient(gw, USER)
      .chat.completions.create(
        { model: "mock-small", messages: HELLO },
        { headers: { "x-llmgw-log-payload": "false" } },
      )
      .withResponse();
    for (const { response } of [quiet, asked]) {
      const record = await recordOf(response.headers.get("x-request-id") as string);
      expect(record).toMatchObject({ mode: "metadata-only", request: "", response: "", status: "ok" });
      expect(record.requestHash).toMatch(/^[0-9a-f]{64}$/);
    }
    // Asking for payloads where the key's mode keeps none changes nothing.
    const loud = await openaiClient(gw, QUIET)
      .chat.completions.create(
        { model: "mock-small", messages: HELLO },
        { headers: { "x-llmgw-log-payload": "true" } },
      )
      .withResponse();
    expect(await recordOf(loud.response.headers.get("x-request-id") as string)).toMatchObject({
      request: "",
    });
  });

  it("refuses the audit log to a key that is not an admin key, over RPC and REST", async () => {
    await expect(queryAudit(rpc(USER))).rejects.toMatchObject({ code: 7 });
    const res = await fetch(`${gw.url}/v1/audit/export`, { headers: { authorization: `Bearer ${USER}` } });
    expect(res.status).toBe(403);
  });

  it("exports JSONL over REST that parses line by line and through jq (installed by the pretest)", async () => {
    const res = await fetch(`${gw.url}/v1/audit/export?key=app&start=2020-01-01T00:00:00Z`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    const body = await res.text();
    const lines = body.trimEnd().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const records = lines.map((line) => JSON.parse(line));
    expect(records.every((r) => r.key === "app")).toBe(true);
    expect(records.map((r) => r.at)).toEqual([...records.map((r) => r.at)].sort((a, b) => a - b));
    // jq, as users read the export (`npm test`'s pretest installs it).
    const keys = execFileSync("jq", ["-r", ".key"], { input: body }).toString().trimEnd().split("\n");
    expect(keys).toEqual(lines.map(() => "app"));
    const rpcLines: string[] = [];
    for await (const { line } of admin.audit.exportAudit({ filter: { key: "app" } })) rpcLines.push(line);
    expect(rpcLines.length).toBe(lines.length);
  });

  it("prunes records older than the retention in the background", async () => {
    // A record from 3 days ago, written into the gateway's audit file by a second connection.
    const old = auditRecord({ at: Date.now() - 3 * 86_400_000, key: "ancient" });
    const writer = new SqliteAuditSink(auditFile(gw.ledgerPath), 600_000);
    writer.record(old);
    await writer.close();
    await expect
      .poll(async () => (await queryAudit(admin, { key: "ancient" })).records.length, { timeout: 3_000 })
      .toBe(0);
    expect((await queryAudit(admin, { key: "app" })).records.length).toBeGreaterThan(0);
  });
});

describe("the audit log on a graceful shutdown", () => {
  it("loses nothing: every call made before close is in the file", async () => {
    const gw = await startTestGateway({
      config: {
        keys: [{ name: "app", key: USER }],
        audit: { enabled: true, mode: "full", flush_interval_ms: 600_000 },
      },
    });
    const client = openaiClient(gw, USER);
    for (let i = 0; i < 5; i++)
      await client.chat.completions.create({ model: "mock-small", messages: HELLO });
    await gw.close();
    const reader = new SqliteAuditSink(auditFile(gw.ledgerPath), 600_000);
    let count = 0;
    for await (const _ of reader.export({})) count++;
    await reader.close();
    expect(count).toBe(5);
  });
});

describe("the audit log in PostgreSQL", () => {
  let pg: PostgresServer;
  beforeAll(async () => {
    pg = await PostgresServer.start();
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it("is shared by replicas: a call through one is read through the other", async () => {
    const url = await pg.database();
    const config = {
      keys: [
        { name: "ops", key: ADMIN, admin: true },
        { name: "app", key: USER },
      ],
      postgres: { url },
      audit: { enabled: true, flush_interval_ms: 20 },
    };
    const [one, two] = await Promise.all([startTestGateway({ config }), startTestGateway({ config })]);
    try {
      const marker = `Pg-${Date.now()}`;
      await openaiClient(one, USER).chat.completions.create({
        model: "mock-small",
        messages: [{ role: "user", content: `hi ${marker}` }],
      });
      const reader = createLlmgwClient(
        createNodeTransport({ baseUrl: two.url, apiKey: ADMIN, protocol: "grpc" }),
      );
      await expect
        .poll(async () =>
          (await queryAudit(reader, { text: marker.toUpperCase() })).records.map((r) => r.key),
        )
        .toEqual(["app"]);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});

describe("the audit log of pass-through traffic", () => {
  it("keeps the caller's body as sent, its hash, and the upstream's answer as the caller got it", async () => {
    const gw = await startTestGateway({
      config: {
        keys: [
          { name: "ops", key: ADMIN, admin: true },
          { name: "agent", key: USER },
        ],
        passthrough: { mount: "/gw", routes: [{ api: "openai", allow_private: true }] },
        audit: { enabled: true, flush_interval_ms: 20 },
      },
    });
    try {
      const body = JSON.stringify({
        model: "mock-small",
        messages: HELLO,
        tools: [{ type: "function", function: WEATHER_TOOL.function }],
        vendor_field: 1,
      });
      const res = await fetch(`${gw.url}/gw/openai/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${USER}`, "content-type": "application/json" },
        body,
      });
      expect(res.status).toBe(200);
      const answered = await res.text();
      const admin = createLlmgwClient(
        createNodeTransport({ baseUrl: gw.url, apiKey: ADMIN, protocol: "grpc" }),
      );
      let record: AuditEntry | undefined;
      await expect
        .poll(async () => {
          record = (await queryAudit(admin, { key: "agent" })).records[0];
          return record?.status;
        })
        .toBe("ok");
      expect(record).toMatchObject({
        surface: "passthrough-openai",
        request: body,
        response: answered,
      });
      expect(record?.requestHash).toBe(createHash("sha256").update(body).digest("hex"));
    } finally {
      await gw.close();
    }
  });
});
