import type { JsonObject, MessageInitShape } from "@bufbuild/protobuf";
import {
  type ResponseFormatSchema,
  ResponseFormatType,
  ToolChoiceMode,
  type ToolChoiceSchema,
  type ToolSchema,
} from "../../../../gen/llmgw/v1/chat_pb.js";
import { invalidRequest } from "../../../errors/gateway-error.ts";
import { expectObject, isObject, optArray, optBoolean, optString } from "../json-fields.ts";

/**
 * The Responses API's `tools`, `tool_choice` and `text.format`, which differ
 * from chat completions' in shape (a function tool is flat:
 * `{type, name, parameters, strict}`) and in having built-in tools. A
 * built-in tool runs on OpenAI's side (web search, file search, a computer);
 * no backend behind the gateway can run it, so it is refused, never dropped.
 */

const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Responses tools as canonical tools; a tool of any type but `function` is refused. */
export function parseTools(value: unknown): Array<MessageInitShape<typeof ToolSchema>> {
  const names = new Set<string>();
  return (optArray(value, "tools") ?? []).map((item, i) => {
    const param = `tools[${i}]`;
    const tool = expectObject(item, param);
    if (tool.type !== "function") {
      throw invalidRequest(
        `${param}.type ${JSON.stringify(tool.type ?? null)} is not supported: built-in OpenAI tools cannot run on ` +
          'the gateway\'s backends; declare a function tool ({"type":"function","name":...}) instead',
        `${param}.type`,
      );
    }
    const name = optString(tool.name, `${param}.name`);
    if (!name) throw invalidRequest(`${param}.name is required`, `${param}.name`);
    // As the chat pipeline checks them, but naming this API's field (a flat `name`, not `function.name`).
    if (!TOOL_NAME.test(name)) {
      throw invalidRequest(`${param}.name must be 1-64 letters, digits, '_' or '-'`, `${param}.name`);
    }
    if (names.has(name)) throw invalidRequest(`duplicate tool "${name}"`, `${param}.name`);
    names.add(name);
    return {
      name,
      description: optString(tool.description, `${param}.description`) ?? "",
      parameters: tool.parameters == null ? undefined : expectObject(tool.parameters, `${param}.parameters`),
      strict: optBoolean(tool.strict, `${param}.strict`),
    };
  });
}

export function parseToolChoice(value: unknown): MessageInitShape<typeof ToolChoiceSchema> | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === "none") return { choice: { case: "mode", value: ToolChoiceMode.NONE } };
  if (value === "auto") return { choice: { case: "mode", value: ToolChoiceMode.AUTO } };
  if (value === "required") return { choice: { case: "mode", value: ToolChoiceMode.REQUIRED } };
  if (isObject(value) && value.type === "function") {
    const name = optString(value.name, "tool_choice.name");
    if (name) return { choice: { case: "function", value: name } };
  }
  throw invalidRequest(
    'tool_choice must be "none", "auto", "required" or {"type":"function","name":...}; built-in tools and allowed_tools are not supported',
    "tool_choice",
  );
}

/** `text.format` as the canonical response format; `text.verbosity` is the caller's to pass on (see parse-responses-request). */
export function parseTextFormat(
  text: JsonObject | undefined,
): MessageInitShape<typeof ResponseFormatSchema> | undefined {
  if (text?.format == null) return undefined;
  const format = expectObject(text.format, "text.format");
  switch (format.type) {
    case "text":
      return { type: ResponseFormatType.TEXT };
    case "json_object":
      return { type: ResponseFormatType.JSON_OBJECT };
    case "json_schema": {
      const name = optString(format.name, "text.format.name");
      if (!name) throw invalidRequest("text.format.name is required", "text.format.name");
      if (format.schema == null) throw invalidRequest("text.format.schema is required", "text.format.schema");
      return {
        type: ResponseFormatType.JSON_SCHEMA,
        name,
        description: optString(format.description, "text.format.description") ?? "",
        schema: expectObject(format.schema, "text.format.schema"),
        strict: optBoolean(format.strict, "text.format.strict"),
      };
    }
    default:
      throw invalidRequest(
        'text.format.type must be "text", "json_object" or "json_schema"',
        "text.format.type",
      );
  }
}
