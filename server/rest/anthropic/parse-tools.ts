import type { MessageInitShape } from "@bufbuild/protobuf";
import { ToolChoiceMode, type ToolChoiceSchema, type ToolSchema } from "../../../gen/llmgw/v1/chat_pb.js";
import { invalidRequest } from "../../errors/gateway-error.ts";
import { expectObject, optArray, optBoolean, optString } from "../openai/json-fields.ts";
import { parseCacheControl } from "./parse-cache-control.ts";

/*
 * Follows the Anthropic Messages API as documented:
 * - a client tool is `{name, description?, input_schema, cache_control?}`,
 *   optionally with `type: "custom"`; server tools (`web_search_…`,
 *   `bash_…`, `text_editor_…`, `computer_…`, …) carry a versioned `type`;
 * - `tool_choice` is `{type: "auto" | "any" | "none"}` or `{type: "tool",
 *   name}`, with `disable_parallel_tool_use` on all but none.
 */

type ToolInit = MessageInitShape<typeof ToolSchema>;
type ToolChoiceInit = MessageInitShape<typeof ToolChoiceSchema>;

/** Client tools as canonical tools; a server tool is refused, since no other backend can run it. */
export function parseTools(value: unknown): ToolInit[] {
  return (optArray(value, "tools") ?? []).map((item, i) => {
    const param = `tools.${i}`;
    const tool = expectObject(item, param);
    if (tool.type !== undefined && tool.type !== null && tool.type !== "custom") {
      throw invalidRequest(
        `${param}.type ${JSON.stringify(tool.type)}: server tools are not supported by LLMGW's translated Messages API; use the /anthropic pass-through`,
        `${param}.type`,
      );
    }
    const name = optString(tool.name, `${param}.name`);
    if (!name) throw invalidRequest(`${param}.name: Field required`, `${param}.name`);
    if (tool.input_schema === undefined || tool.input_schema === null) {
      throw invalidRequest(`${param}.input_schema: Field required`, `${param}.input_schema`);
    }
    return {
      name,
      description: optString(tool.description, `${param}.description`) ?? "",
      parameters: expectObject(tool.input_schema, `${param}.input_schema`),
      cacheControl: parseCacheControl(tool.cache_control, `${param}.cache_control`),
    };
  });
}

/** What `tool_choice` asks for. */
export interface ParsedToolChoice {
  readonly toolChoice: ToolChoiceInit | undefined;
  /** False when `disable_parallel_tool_use` is set; otherwise the upstream default. */
  readonly parallelToolCalls: boolean | undefined;
}

export function parseToolChoice(value: unknown): ParsedToolChoice {
  if (value === undefined || value === null) return { toolChoice: undefined, parallelToolCalls: undefined };
  const choice = expectObject(value, "tool_choice");
  const disable = optBoolean(choice.disable_parallel_tool_use, "tool_choice.disable_parallel_tool_use");
  const parallelToolCalls = disable === true ? false : undefined;
  switch (choice.type) {
    case "auto":
      return { toolChoice: mode(ToolChoiceMode.AUTO), parallelToolCalls };
    case "any":
      return { toolChoice: mode(ToolChoiceMode.REQUIRED), parallelToolCalls };
    case "none":
      return { toolChoice: mode(ToolChoiceMode.NONE), parallelToolCalls: undefined };
    case "tool": {
      const name = optString(choice.name, "tool_choice.name");
      if (!name) throw invalidRequest("tool_choice.name: Field required", "tool_choice.name");
      return { toolChoice: { choice: { case: "function", value: name } }, parallelToolCalls };
    }
    default:
      throw invalidRequest('tool_choice.type must be "auto", "any", "tool" or "none"', "tool_choice.type");
  }
}

function mode(value: ToolChoiceMode): ToolChoiceInit {
  return { choice: { case: "mode", value } };
}
