import { describe, expect, it } from "vitest";
import { GatewayError } from "../errors/gateway-error.ts";
import { checkRunInput } from "./run-request.ts";

function refusal(input: Parameters<typeof checkRunInput>[0]): { code: string; param: string | undefined } {
  try {
    checkRunInput(input);
  } catch (error) {
    if (error instanceof GatewayError) return { code: error.code, param: error.param };
    throw error;
  }
  throw new Error("accepted");
}

describe("checking a StartRun request", () => {
  it("runs every task at the default concurrency when only models are given", () => {
    const plan = checkRunInput({ models: ["a", " b "], taskIds: [], concurrency: 0 });
    expect(plan.models).toEqual(["a", "b"]);
    expect(plan.tasks).toHaveLength(14);
    expect(plan.concurrency).toBe(4);
  });

  it("keeps the suite's order for the tasks named", () => {
    const plan = checkRunInput({
      models: ["a"],
      taskIds: ["instruction-json", "knowledge-physics"],
      concurrency: 16,
    });
    expect(plan.tasks.map((t) => t.id)).toEqual(["knowledge-physics", "instruction-json"]);
    expect(plan.concurrency).toBe(16);
  });

  it.each([
    ["no model", { models: [], taskIds: [], concurrency: 0 }, "models"],
    ["nine models", { models: "abcdefghi".split(""), taskIds: [], concurrency: 0 }, "models"],
    ["an empty model name", { models: ["a", " "], taskIds: [], concurrency: 0 }, "models[1]"],
    ["a huge model name", { models: ["m".repeat(10_000)], taskIds: [], concurrency: 0 }, "models[0]"],
    ["a model twice", { models: ["a", "a"], taskIds: [], concurrency: 0 }, "models"],
    ["an unknown task", { models: ["a"], taskIds: ["knowledge-chemistry"], concurrency: 0 }, "task_ids[0]"],
    [
      "a task twice",
      { models: ["a"], taskIds: ["code-fizzbuzz", "code-fizzbuzz"], concurrency: 0 },
      "task_ids[1]",
    ],
    ["concurrency 17", { models: ["a"], taskIds: [], concurrency: 17 }, "concurrency"],
    ["a fractional concurrency", { models: ["a"], taskIds: [], concurrency: 1.5 }, "concurrency"],
  ])("refuses %s, naming the field", (_why, input, param) => {
    expect(refusal(input)).toEqual({ code: "invalid_request", param });
  });
});
