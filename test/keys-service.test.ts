import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toJsonString } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ApiKeySchema,
  createKey,
  createLlmgwClient,
  createNodeTransport,
  getKey,
  KeySource,
  type LlmgwClient,
  listKeys,
  revokeKey,
  updateKey,
} from "../sdk/index.ts";
import { failure, HELLO, openaiClient } from "./harness/openai-client.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * KeysService end to end: an admin creates a key over RPC (gRPC and Connect), the key is used over
 * REST through the `openai` SDK, changed, revoked and refused on the very next request; the store
 * keeps it across a restart of the gateway. Only admin keys may manage keys.
 */

const ADMIN = "sk-keys-admin-0001";
const USER = "sk-keys-user-00001";

describe("KeysService", () => {
  const ledgerPath = join(mkdtempSync(join(tmpdir(), "llmgw-keys-e2e-")), "ledger.db");
  const config = {
    keys: [
      { name: "ops", key: ADMIN, admin: true, owner: "platform" },
      { name: "app", key: USER },
    ],
    usage: { path: ledgerPath },
  };
  let gw: TestGateway;
  let admin: LlmgwClient;
  const rpc = (apiKey: string, protocol: "grpc" | "connect" = "grpc") =>
    createLlmgwClient(createNodeTransport({ baseUrl: gw.url, apiKey, protocol }));
  const chat = (key: string, model = "mock-small") =>
    openaiClient(gw, key).chat.completions.create({ model, messages: HELLO });

  beforeAll(async () => {
    gw = await startTestGateway({ config });
    admin = rpc(ADMIN);
  });
  afterAll(async () => {
    await gw.close();
  });

  it("refuses every method to a key that is not an admin key", async () => {
    const user = rpc(USER, "connect");
    for (const attempt of [
      createKey(user, "mine"),
      listKeys(user),
      getKey(user, "app"),
      updateKey(user, "app", { enabled: false }),
      revokeKey(user, "app"),
    ]) {
      const error = await failure(attempt);
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as ConnectError).code).toBe(Code.PermissionDenied);
    }
  });

  it("tells any key who it is, through GetCurrentKey over Connect GET", async () => {
    const user = await rpc(USER, "connect").keys.getCurrentKey({});
    expect(user.key).toMatchObject({ name: "app", admin: false, source: KeySource.CONFIG });
    const ops = await admin.keys.getCurrentKey({});
    expect(ops.key).toMatchObject({ name: "ops", admin: true, owner: "platform" });
    // A read-only RPC (NO_SIDE_EFFECTS) is served to Connect's GET, message in the query.
    const res = await fetch(`${gw.url}/llmgw.v1.KeysService/GetCurrentKey?encoding=json&message=%7B%7D`, {
      headers: { authorization: `Bearer ${USER}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ key: { name: "app" } });
    const refused = await fetch(`${gw.url}/llmgw.v1.KeysService/GetCurrentKey?encoding=json&message=%7B%7D`);
    expect(refused.status).toBe(401);
  });

  it("creates a key, uses it over REST, revokes it, and the next request is refused", async () => {
    const created = await createKey(admin, "search-app", {
      owner: "ana@example.com",
      team: "search",
      metadata: { cost_center: "42" },
      models: ["mock-*"],
    });
    expect(created.secret).toMatch(/^sk-llmgw-[A-Za-z0-9_-]{43}$/);
    expect(created.key?.prefix).toBe(created.secret.slice(0, 15));
    expect(created.key).toMatchObject({ name: "search-app", enabled: true, source: KeySource.STORED });

    const reply = await chat(created.secret);
    expect(reply.choices[0]?.message.content).toBeTruthy();
    // Its scope holds over REST: a model outside `mock-*` is refused.
    expect(await failure(chat(created.secret, "gpt-4o"))).toBeInstanceOf(OpenAI.PermissionDeniedError);

    const revoked = await revokeKey(admin, "search-app");
    expect(revoked.revokeTime).toBeDefined();
    const started = performance.now();
    const error = await failure(chat(created.secret));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as Error).message).toContain("API key has been revoked");
  });

  it("shows keys by prefix, never their secret", async () => {
    const created = await createKey(rpc(ADMIN, "connect"), "listed", { priority: 7 });
    const keys = await listKeys(admin);
    const listed = keys.find((k) => k.name === "listed");
    expect(listed).toMatchObject({ prefix: created.key?.prefix, priority: 7, modelsLimited: false });
    // Nothing of the secret past its prefix is in any listed field.
    expect(keys.map((k) => toJsonString(ApiKeySchema, k)).join("\n")).not.toContain(created.secret.slice(15));
    // Config keys are listed beside stored ones, without a prefix; revoked ones only when asked.
    expect(keys.map((k) => k.name)).toEqual(expect.arrayContaining(["app", "listed", "ops"]));
    expect(keys.find((k) => k.name === "ops")).toMatchObject({
      source: KeySource.CONFIG,
      prefix: "",
      admin: true,
      owner: "platform",
    });
    expect(keys.map((k) => k.name)).not.toContain("search-app");
    expect((await listKeys(admin, { includeRevoked: true })).map((k) => k.name)).toContain("search-app");
    expect(await getKey(admin, "listed")).toMatchObject({ name: "listed", prefix: created.key?.prefix });
  });

  it("disables, re-enables, expires and rescopes a key, each effective on the next request", async () => {
    const { secret } = await createKey(admin, "changing");
    await updateKey(admin, "changing", { enabled: false });
    expect((await failure(chat(secret))) as Error).toHaveProperty(
      "message",
      expect.stringContaining("disabled"),
    );
    await updateKey(admin, "changing", { enabled: true });
    await chat(secret);
    await updateKey(admin, "changing", { models: ["other-model"] });
    expect(await failure(chat(secret))).toBeInstanceOf(OpenAI.PermissionDeniedError);
    const updated = await updateKey(admin, "changing", { models: null, expiresAt: new Date(Date.now() - 1) });
    expect(updated).toMatchObject({ modelsLimited: false, enabled: true });
    expect(((await failure(chat(secret))) as Error).message).toMatch(/API key expired at /);
    await updateKey(admin, "changing", { expiresAt: null });
    await chat(secret);
  });

  it("keeps names unique across config and stored keys, and config keys read-only", async () => {
    const code = async (p: Promise<unknown>) => ((await failure(p)) as ConnectError).code;
    expect(await code(createKey(admin, "ops"))).toBe(Code.InvalidArgument);
    expect(await code(createKey(admin, "listed"))).toBe(Code.InvalidArgument);
    expect(await code(createKey(admin, "bad name!"))).toBe(Code.InvalidArgument);
    expect(await code(createKey(admin, "scoped", { providers: ["nowhere"] }))).toBe(Code.InvalidArgument);
    expect(await code(revokeKey(admin, "app"))).toBe(Code.InvalidArgument);
    expect(await code(updateKey(admin, "app", { enabled: false }))).toBe(Code.InvalidArgument);
    expect(await code(getKey(admin, "nobody"))).toBe(Code.NotFound);
    expect(await code(admin.keys.updateKey({ name: "listed" }))).toBe(Code.InvalidArgument);
  });

  it("keeps stored keys, revocations included, across a restart", async () => {
    const { secret } = await createKey(admin, "durable");
    const revokedSecret = (await createKey(admin, "gone")).secret;
    await revokeKey(admin, "gone");
    await gw.close();
    gw = await startTestGateway({ config });
    admin = rpc(ADMIN);
    await chat(secret);
    expect(await failure(chat(revokedSecret))).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((await getKey(admin, "durable")).source).toBe(KeySource.STORED);
  });
});
