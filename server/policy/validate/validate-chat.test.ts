import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ChatRequestSchema, Role } from "../../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../../errors/gateway-error.ts";
import { validateChat } from "./validate-chat.ts";

const request = (extra: Record<string, unknown> = {}) =>
  create(ChatRequestSchema, {
    model: "m",
    messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "Hi" } }] }],
    ...extra,
  });

/** The GatewayError `validateChat` throws for `value`, or undefined. */
function refusal(value: ReturnType<typeof request>): GatewayError | undefined {
  try {
    validateChat(value);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  return undefined;
}

describe("validateChat", () => {
  it("takes a plain request", () => {
    expect(refusal(request())).toBeUndefined();
  });

  it("refuses a role number the proto does not define, naming the message", () => {
    const value = request();
    (value.messages[0] as { role: number }).role = 99;
    expect(refusal(value)).toMatchObject({ code: "invalid_request", param: "messages[0].role" });
  });

  it("takes logit_bias of token ids with biases from -100 to 100", () => {
    expect(refusal(request({ logitBias: { "0": -100, "42": 1.5, "50256": 100 } }))).toBeUndefined();
  });

  it.each([
    [{ abc: 1 }, "logit_bias"],
    [{ "-1": 1 }, "logit_bias"],
    [{ "007": 1 }, "logit_bias"],
    [{ "42": 101 }, "logit_bias.42"],
    [{ "42": -100.5 }, "logit_bias.42"],
    [{ "42": Number.NaN }, "logit_bias.42"],
    [{ "42": Number.POSITIVE_INFINITY }, "logit_bias.42"],
  ])("refuses logit_bias %j, naming %s", (logitBias, param) => {
    expect(refusal(request({ logitBias }))).toMatchObject({ code: "invalid_request", param });
  });
});
