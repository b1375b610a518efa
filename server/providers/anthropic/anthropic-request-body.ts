import {
  type ChatRequest,
  type Reasoning,
  type ToolChoice,
  ToolChoiceMode,
} from "../../../gen/llmgw/v1/chat_pb.js";
import { conversationToAnthropic, withCacheControl } from "./anthropic-messages.ts";
import { rejectUnsupported } from "./anthropic-unsupported.ts";

/*
 * Follows the Anthropic Messages API as documented (`POST /v1/messages`):
 * - `max_tokens` is required;
 * - `stop_sequences`, `temperature`, `top_p`, `stream` as named;
 * - tools are `{name, description, input_schema}`;
 * - `tool_choice` is `{type:"auto"|"any"|"none"}` or `{type:"tool", name}`,
 *   with `disable_parallel_tool_use` on auto/any/tool;
 * - `metadata` accepts only `user_id`;
 * - `thinking` is `{type: "enabled", budget_tokens}` (at least 1024, below
 *   `max_tokens`) or `{type: "disabled"}`;
 * - tools take `cache_control` like content blocks.
 */

/** What Anthropic requires when the caller sets no `max_tokens`. */
export const DEFAULT_MAX_TOKENS = 4096;

/**
 * Builds the Anthropic Messages body for a canonical request, as one object
 * serialized once. `extra` goes in first (so `top_k`, `thinking` and other
 * vendor fields pass through) and a modeled field always wins over it.
 * Rejects, naming the feature, what Anthropic cannot honour.
 */
export function anthropicRequestBody(
  provider: string,
  request: ChatRequest,
  model: string,
  stream: boolean,
): string {
  rejectUnsupported(provider, request);
  const body: Record<string, unknown> = request.extra === undefined ? {} : { ...request.extra };
  const { system, messages } = conversationToAnthropic(provider, request.messages);
  body.model = model;
  if (system !== undefined) body.system = system;
  body.messages = messages;
  const thinking = thinkingToAnthropic(request.reasoning);
  if (thinking !== undefined) body.thinking = thinking;
  body.max_tokens =
    request.maxTokens ??
    (typeof thinking?.budget_tokens === "number"
      ? thinking.budget_tokens + DEFAULT_MAX_TOKENS
      : DEFAULT_MAX_TOKENS);
  if (request.tools.length > 0) {
    body.tools = request.tools.map((tool) =>
      withCacheControl(
        {
          name: tool.name,
          ...(tool.description ? { description: tool.description } : {}),
          input_schema: tool.parameters ?? { type: "object", properties: {} },
        },
        tool.cacheControl,
      ),
    );
    const choice = toolChoiceToAnthropic(request.toolChoice, request.parallelToolCalls);
    if (choice !== undefined) body.tool_choice = choice;
  }
  if (request.stop.length > 0) body.stop_sequences = request.stop;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.user) body.metadata = { user_id: request.user };
  body.stream = stream;
  return JSON.stringify(body);
}

/**
 * Thinking budgets for an effort by name, for callers that ask by effort
 * (OpenAI's `reasoning_effort`): Anthropic's minimum, then rising fourfold.
 */
const EFFORT_BUDGETS: Record<string, number> = { minimal: 1024, low: 2048, medium: 8192, high: 24576 };

/**
 * The canonical reasoning config as Anthropic's `thinking`: a budget as it
 * is, an effort as its budget, `enabled: false` as `disabled`. Undefined
 * leaves `thinking` to `extra` or the upstream's default.
 */
export function thinkingToAnthropic(reasoning: Reasoning | undefined): Record<string, unknown> | undefined {
  if (reasoning === undefined) return undefined;
  if (reasoning.enabled === false || reasoning.effort === "none") return { type: "disabled" };
  const budget = reasoning.budgetTokens ?? EFFORT_BUDGETS[reasoning.effort];
  if (budget !== undefined) return { type: "enabled", budget_tokens: budget };
  if (reasoning.enabled === true) return { type: "enabled", budget_tokens: EFFORT_BUDGETS.medium };
  return undefined;
}

function toolChoiceToAnthropic(
  choice: ToolChoice | undefined,
  parallel: boolean | undefined,
): Record<string, unknown> | undefined {
  const noParallel = parallel === false ? { disable_parallel_tool_use: true } : {};
  switch (choice?.choice.case) {
    case "function":
      return { type: "tool", name: choice.choice.value, ...noParallel };
    case "mode":
      if (choice.choice.value === ToolChoiceMode.NONE) return { type: "none" };
      if (choice.choice.value === ToolChoiceMode.AUTO) return { type: "auto", ...noParallel };
      if (choice.choice.value === ToolChoiceMode.REQUIRED) return { type: "any", ...noParallel };
      break;
  }
  return parallel === false ? { type: "auto", ...noParallel } : undefined;
}
