import { create } from "@bufbuild/protobuf";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { CompleteResponseSchema } from "../../../gen/llmgw/v1/chat_pb.js";
import { type Call, createCall } from "../../core/call.ts";
import type { Next } from "../../core/chain.ts";
import { authPolicy } from "./auth-policy.ts";
import { Authenticator } from "./authenticator.ts";
import { KeyRing } from "./key-ring.ts";

const keys = new KeyRing([
  { name: "team-a", key: "sk-team-a-123456" },
  { name: "ops", key: "sk-ops-admin-123", admin: true },
]);

function call(credential: string | undefined): Call {
  return createCall({
    requestId: "r1",
    surface: "test",
    signal: new AbortController().signal,
    startedAt: 0,
    deadline: Number.POSITIVE_INFINITY,
    credential,
    op: "chat",
    stream: false,
  });
}

describe("the auth policy", () => {
  let reached: Call[] = [];
  const next: Next = async (c) => {
    reached.push(c);
    return { kind: "complete", response: create(CompleteResponseSchema) };
  };

  it("records the key, with the rights that key has, and goes on", async () => {
    reached = [];
    const policy = authPolicy(new Authenticator(keys, pino({ level: "silent" })))(next);
    await policy(call("sk-ops-admin-123"));
    await policy(call("sk-team-a-123456"));
    expect(reached.map((c) => c.key)).toEqual([
      { name: "ops", admin: true, priority: 0, team: "" },
      { name: "team-a", admin: false, priority: 0, team: "" },
    ]);
  });

  it("refuses a missing or wrong key before anything inside it runs, and counts each failure", () => {
    reached = [];
    let failures = 0;
    const policy = authPolicy(new Authenticator(keys, pino({ level: "silent" }), () => failures++))(next);
    expect(() => policy(call(undefined))).toThrow(/missing API key/);
    expect(() => policy(call("sk-team-a-12345X"))).toThrow(/invalid API key/);
    expect(reached).toEqual([]);
    expect(failures).toBe(2);
  });

  it("logs failed authentication at a bounded rate", () => {
    const lines: string[] = [];
    const log = pino({ level: "warn" }, { write: (line: string) => lines.push(line) });
    const auth = new Authenticator(keys, log);
    for (let i = 0; i < 50; i++) expect(() => auth.authenticate("wrong-key-123", `r${i}`)).toThrow();
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ msg: "authentication failed", requestId: "r0" });
  });

  it("lets every caller in as an anonymous admin when no keys are configured", async () => {
    reached = [];
    const policy = authPolicy(new Authenticator(new KeyRing([]), pino({ level: "silent" })))(next);
    await policy(call(undefined));
    expect(reached[0]?.key).toEqual({ name: "", admin: true, priority: 0, team: "" });
  });
});

describe("the key ring", () => {
  it("refuses an expired key, saying when it expired, and a disabled one, saying so", () => {
    const ring = new KeyRing([
      { name: "old", key: "sk-old-key-123456", expires_at: "2020-01-01T00:00:00Z" },
      { name: "later", key: "sk-later-key-1234", expires_at: "2999-01-01T00:00:00+02:00" },
      { name: "off", key: "sk-off-key-123456", enabled: false },
    ]);
    expect(() => ring.authenticate("sk-old-key-123456")).toThrow(
      expect.objectContaining({
        code: "unauthenticated",
        message: "API key expired at 2020-01-01T00:00:00.000Z",
      }),
    );
    expect(() => ring.authenticate("sk-off-key-123456")).toThrow(
      expect.objectContaining({ code: "unauthenticated", message: "API key is disabled" }),
    );
    expect(ring.authenticate("sk-later-key-1234").name).toBe("later");
  });

  it("carries the owner and a compiled scope on the key, and no scope when nothing limits it", () => {
    const ring = new KeyRing([
      { name: "app", key: "sk-app-key-123456", owner: "ana", models: ["gpt-4o-mini", "claude-*"] },
      { name: "free", key: "sk-free-key-12345", models: ["*"] },
    ]);
    expect(ring.authenticate("sk-app-key-123456")).toEqual({
      name: "app",
      admin: false,
      priority: 0,
      team: "",
      owner: "ana",
      scope: { models: new Set(["gpt-4o-mini"]), modelPrefixes: ["claude-"], providers: undefined },
    });
    expect(ring.authenticate("sk-free-key-12345").scope).toBeUndefined();
  });

  it("refuses two keys with one name, so rights and usage never follow a name to another key", () => {
    expect(
      () =>
        new KeyRing([
          { name: "cli-1", key: "sk-admin-1234567", admin: true },
          { name: "cli-1", key: "sk-other-1234567" },
        ]),
    ).toThrow(/duplicate API key name "cli-1"/);
  });
});
