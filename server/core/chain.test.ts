import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { CompleteResponseSchema } from "../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../errors/gateway-error.ts";
import { createCall } from "./call.ts";
import { type Answer, compose, type Next, type Policy } from "./chain.ts";

function call() {
  return createCall({
    requestId: "r1",
    surface: "test",
    signal: new AbortController().signal,
    startedAt: performance.now(),
    deadline: Number.POSITIVE_INFINITY,
    credential: undefined,
    op: "chat",
    stream: false,
  });
}

const answer: Answer = { kind: "complete", response: create(CompleteResponseSchema) };

/** A policy that notes its name on the way in and out. */
function tracing(name: string, trail: string[]): Policy {
  return (next) => async (c) => {
    trail.push(`${name}>`);
    const result = await next(c);
    trail.push(`<${name}`);
    return result;
  };
}

describe("compose", () => {
  it("runs policies outermost first, around the terminal", async () => {
    const trail: string[] = [];
    const terminal: Next = async () => {
      trail.push("terminal");
      return answer;
    };
    const pipeline = compose([tracing("a", trail), tracing("b", trail), tracing("c", trail)], terminal);
    expect(await pipeline(call())).toBe(answer);
    expect(trail).toEqual(["a>", "b>", "c>", "terminal", "<c", "<b", "<a"]);
  });

  it("leaves a disabled (undefined) policy out of the chain entirely", async () => {
    const trail: string[] = [];
    let wrapped = 0;
    const counting: Policy = (next) => {
      wrapped++;
      return next;
    };
    const terminal: Next = async () => answer;
    const pipeline = compose([tracing("a", trail), undefined, counting, undefined], terminal);
    // A policy that is off never wraps anything, so it costs nothing per request.
    expect(wrapped).toBe(1);
    await pipeline(call());
    await pipeline(call());
    expect(wrapped).toBe(1);
    expect(trail).toEqual(["a>", "<a", "a>", "<a"]);
  });

  it("lets a policy short-circuit with an answer, so nothing inside it runs", async () => {
    const trail: string[] = [];
    const cached: Answer = { kind: "complete", response: create(CompleteResponseSchema, { id: "hit" }) };
    const cache: Policy = () => async () => cached;
    const terminal: Next = async () => {
      trail.push("terminal");
      return answer;
    };
    const pipeline = compose([tracing("outer", trail), cache, tracing("inner", trail)], terminal);
    expect(await pipeline(call())).toBe(cached);
    expect(trail).toEqual(["outer>", "<outer"]);
  });

  it("lets a policy refuse by throwing, and the error reaches the caller", async () => {
    const refuse: Policy = () => () => {
      throw new GatewayError("rate_limited", "slow down");
    };
    const terminal: Next = async () => answer;
    const pipeline = compose([refuse], terminal);
    expect(() => pipeline(call())).toThrow(/slow down/);
  });
});
