import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ChatRequestSchema, CompleteResponseSchema } from "../../../gen/llmgw/v1/chat_pb.js";
import { type Call, createCall, type KeyInfo, type RoutePlan } from "../../core/call.ts";
import type { Next } from "../../core/chain.ts";
import type { Deployment } from "../../routing/deployment.ts";
import { keyScope } from "./key-scope.ts";
import { scopePolicy } from "./scope-policy.ts";

function deployment(id: string, provider: string): Deployment {
  return { id, provider, model: id } as unknown as Deployment;
}

function call(key: KeyInfo, model: string, providers: string[] = ["openai"]): Call {
  const c = createCall({
    requestId: "r1",
    surface: "test",
    signal: new AbortController().signal,
    startedAt: 0,
    deadline: Number.POSITIVE_INFINITY,
    credential: "sk-whatever",
    op: "chat",
    stream: false,
    chat: create(ChatRequestSchema, { model }),
  });
  c.key = key;
  const plan: RoutePlan = {
    requested: model,
    deployments: providers.map((p) => deployment(`${p}:${model}`, p)),
    decision: { strategy: "weighted", score: 0.7, complexity: "" },
    fallback: true,
    priority: 0,
  };
  c.plan = plan;
  return c;
}

function key(models?: string[], providers?: string[]): KeyInfo {
  const scope = keyScope(models, providers);
  return { name: "app", admin: false, priority: 0, team: "", ...(scope === undefined ? {} : { scope }) };
}

describe("the scope policy", () => {
  let reached: Call[] = [];
  const next: Next = async (c) => {
    reached.push(c);
    return { kind: "complete", response: create(CompleteResponseSchema) };
  };
  const policy = scopePolicy(next);

  it("lets a key without a scope through untouched", async () => {
    reached = [];
    const c = call(key(), "claude-sonnet", ["anthropic", "openai"]);
    const plan = c.plan;
    await policy(c);
    expect(reached).toEqual([c]);
    expect(c.plan).toBe(plan);
  });

  it("refuses a model outside the key's list with permission_denied naming the model", () => {
    reached = [];
    const c = call(key(["gpt-4o-mini"]), "claude-sonnet");
    expect(() => policy(c)).toThrow(
      expect.objectContaining({
        code: "permission_denied",
        param: "model",
        message: expect.stringContaining('"claude-sonnet"'),
      }),
    );
    expect(reached).toEqual([]);
  });

  it("allows exact names and trailing-* prefixes, nothing else", async () => {
    reached = [];
    const scoped = key(["gpt-4o-mini", "claude-*"]);
    await policy(call(scoped, "gpt-4o-mini"));
    await policy(call(scoped, "claude-sonnet"));
    expect(reached).toHaveLength(2);
    expect(() => policy(call(scoped, "gpt-4o"))).toThrow(/may not use model "gpt-4o"/);
    expect(() => policy(call(scoped, "gpt-4o-mini-2"))).toThrow(/permission|may not/);
    // An empty list allows nothing, as it says.
    expect(() => policy(call(key([]), "gpt-4o-mini"))).toThrow(/it may use: \(none\)/);
  });

  it("takes deployments of other providers out of the plan, and drops the score of a removed first choice", async () => {
    reached = [];
    const c = call(key(undefined, ["openai"]), "chat", ["anthropic", "openai", "openai"]);
    await policy(c);
    expect(reached).toEqual([c]);
    expect(c.plan?.deployments.map((d) => d.provider)).toEqual(["openai", "openai"]);
    expect(c.plan?.decision).toEqual({ strategy: "weighted", score: undefined, complexity: "" });
    expect(c.plan?.requested).toBe("chat");
  });

  it("keeps the plan itself when every deployment is allowed", async () => {
    const c = call(key(["chat"], ["openai"]), "chat", ["openai"]);
    const plan = c.plan;
    await policy(c);
    expect(c.plan).toBe(plan);
  });

  it("refuses when no deployment of an allowed provider is left", () => {
    reached = [];
    const c = call(key(undefined, ["ollama"]), "chat", ["anthropic", "openai"]);
    expect(() => policy(c)).toThrow(
      expect.objectContaining({
        code: "permission_denied",
        message: expect.stringMatching(/providers that serve model "chat" \(anthropic, openai\).*ollama/),
      }),
    );
    expect(reached).toEqual([]);
  });
});
