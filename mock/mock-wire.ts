/**
 * OpenAI wire encoding of a mock `ReplyPlan`: the `chat.completion` JSON body and the
 * `chat.completion.chunk` SSE frames.
 *
 * Built with template strings around a per-request prefix (no per-chunk object allocation or
 * `JSON.stringify` of whole chunks) because the benchmark drives the mock at thousands of requests/s.
 */

import type { ReplyPlan } from "./mock-reply.ts";

export const DONE_FRAME = "data: [DONE]\n\n";

function usageJson(plan: ReplyPlan): string {
  const { promptTokens: p, completionTokens: c } = plan;
  return `{"prompt_tokens":${p},"completion_tokens":${c},"total_tokens":${p + c}}`;
}

/** Non-streaming `chat.completion` body. */
export function completionJson(plan: ReplyPlan, id: string, created: number): string {
  const message = plan.tool
    ? {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: plan.tool.id,
            type: "function",
            function: { name: plan.tool.name, arguments: plan.tool.arguments },
          },
        ],
      }
    : { role: "assistant", content: plan.text ? plan.text.join() : "" };
  const body: Record<string, unknown> = {
    id,
    object: "chat.completion",
    created,
    model: plan.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: plan.finishReason }],
  };
  if (plan.usageMode !== "none") {
    const { promptTokens: p, completionTokens: c } = plan;
    body.usage = { prompt_tokens: p, completion_tokens: c, total_tokens: p + c };
  }
  return JSON.stringify(body);
}

/** The SSE frames of one streamed reply, produced on demand. */
export interface StreamFrames {
  /** Frames sent with the first byte: the role chunk (plus the tool call header fragment). */
  head: string;
  /** Number of content frames (text pieces or tool argument fragments). */
  count: number;
  content(i: number): string;
  /** Finish chunk, optional usage chunk and `[DONE]`, as one string. */
  tail(): string;
}

const OPEN = '{"index":0,"delta":';
const CLOSE_OPEN = ',"logprobs":null,"finish_reason":null}]}\n\n';

export function streamFrames(plan: ReplyPlan, id: string, created: number): StreamFrames {
  const pre = `data: {"id":"${id}","object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(plan.model)},"choices":[`;
  const tool = plan.tool;
  const text = plan.text;
  let head: string;
  let count: number;
  let content: (i: number) => string;
  if (tool) {
    head =
      `${pre}${OPEN}{"role":"assistant","content":null}${CLOSE_OPEN}` +
      `${pre}${OPEN}{"tool_calls":[{"index":0,"id":${JSON.stringify(tool.id)},"type":"function",` +
      `"function":{"name":${JSON.stringify(tool.name)},"arguments":""}}]}${CLOSE_OPEN}`;
    count = tool.fragments.length;
    content = (i) =>
      `${pre}${OPEN}{"tool_calls":[{"index":0,"function":{"arguments":${JSON.stringify(tool.fragments[i])}}}]}${CLOSE_OPEN}`;
  } else {
    head = `${pre}${OPEN}{"role":"assistant","content":""}${CLOSE_OPEN}`;
    count = text ? text.count : 0;
    content = (i) => `${pre}${OPEN}{"content":${JSON.stringify(text?.at(i))}}${CLOSE_OPEN}`;
  }
  const tail = () => {
    const finishUsage = plan.usageMode === "finish" ? `,"usage":${usageJson(plan)}` : "";
    let out = `${pre}${OPEN}{},"logprobs":null,"finish_reason":"${plan.finishReason}"}]${finishUsage}}\n\n`;
    if (plan.usageMode === "chunk" && plan.includeUsage) out += `${pre}],"usage":${usageJson(plan)}}\n\n`;
    if (plan.done) out += DONE_FRAME;
    return out;
  };
  return { head, count, content, tail };
}
