import { create, type JsonObject, type MessageInitShape } from "@bufbuild/protobuf";
import {
  type ChatRequest,
  ChatRequestSchema,
  type RoutingHints,
  ToolChoiceMode,
  type ToolChoiceSchema,
  type ToolSchema,
} from "../../../gen/llmgw/v1/chat_pb.js";
import { invalidRequest } from "../../errors/gateway-error.ts";
import { expectObject, optArray, optString, typeName } from "../openai/json-fields.ts";
import { schemaToJsonSchema } from "./gemini-schema.ts";
import { parseContents } from "./parse-contents.ts";
import { parseGenerationConfig } from "./parse-generation-config.ts";

/*
 * Follows the Gemini API reference (ai.google.dev/api/generate-content): a
 * GenerateContentRequest holds contents, systemInstruction, tools,
 * toolConfig, generationConfig, safetySettings and cachedContent; the model
 * and streaming are in the URL. Google itself answers 400 "Unknown name" for
 * a field it does not define, and so does this parser.
 */

type ToolInit = MessageInitShape<typeof ToolSchema>;
type ToolChoiceInit = MessageInitShape<typeof ToolChoiceSchema>;

/**
 * Fields with no canonical counterpart that a Gemini backend honours; they
 * ride in `extra` under their own names (the Gemini adapter puts unknown
 * `extra` keys at the top of its body) and reach other backends as unknown
 * parameters.
 */
const PASSED_ON = new Set(["safetySettings", "cachedContent"]);

const MODELED = new Set([
  "model",
  "contents",
  "systemInstruction",
  "tools",
  "toolConfig",
  "generationConfig",
]);

/** The tool fields of Gemini's `Tool` that are built-in tools (search, code execution...), not functions. */
const FUNCTION_FIELDS = new Set(["name", "description", "parameters", "parametersJsonSchema"]);

/**
 * A generateContent body (or countTokens' `generateContentRequest`) to the
 * canonical request for `model`, with errors that name the field.
 */
export function parseGenerateRequest(body: unknown, model: string, routing?: RoutingHints): ChatRequest {
  const json = expectObject(body, "body");
  const extra: JsonObject = {};
  for (const key in json) {
    const value = json[key];
    if (value === undefined || value === null || MODELED.has(key)) continue;
    if (!PASSED_ON.has(key)) throw invalidRequest(`Invalid JSON payload received. Unknown name "${key}"`);
    extra[key] = value;
  }
  // Passed on unread, but of the type Google's API gives them, so that no backend gets a malformed one.
  optArray(json.safetySettings, "safetySettings");
  optString(json.cachedContent, "cachedContent");
  const generation = parseGenerationConfig(json.generationConfig);
  Object.assign(extra, generation.extra);
  const declared = parseTools(json.tools);
  const { tools, toolChoice } = parseToolConfig(json.toolConfig, declared);
  return create(ChatRequestSchema, {
    ...generation.fields,
    model,
    messages: parseContents(json.contents, json.systemInstruction),
    tools,
    toolChoice,
    extra: Object.keys(extra).length > 0 ? extra : undefined,
    routing,
  });
}

function parseTools(value: unknown): ToolInit[] {
  const tools: ToolInit[] = [];
  (optArray(value, "tools") ?? []).forEach((item, i) => {
    const tool = expectObject(item, `tools[${i}]`);
    for (const key in tool) {
      if (key !== "functionDeclarations" && tool[key] != null) {
        throw invalidRequest(
          `tools[${i}].${key}: built-in tools are not supported by the translated Gemini surface; declare functions, or use the /gemini pass-through`,
        );
      }
    }
    (optArray(tool.functionDeclarations, `tools[${i}].functionDeclarations`) ?? []).forEach((fn, j) => {
      tools.push(parseDeclaration(fn, `tools[${i}].functionDeclarations[${j}]`));
    });
  });
  return tools;
}

function parseDeclaration(value: unknown, param: string): ToolInit {
  const fn = expectObject(value, param);
  for (const key in fn) {
    if (!FUNCTION_FIELDS.has(key) && fn[key] != null)
      throw invalidRequest(`${param}.${key} is not supported`);
  }
  const name = optString(fn.name, `${param}.name`);
  if (!name) throw invalidRequest(`${param}.name is required`);
  if (fn.parameters != null && fn.parametersJsonSchema != null) {
    throw invalidRequest(`${param}: set parameters or parametersJsonSchema, not both`);
  }
  const parameters =
    fn.parametersJsonSchema != null
      ? expectObject(fn.parametersJsonSchema, `${param}.parametersJsonSchema`)
      : fn.parameters != null
        ? schemaToJsonSchema(fn.parameters, `${param}.parameters`)
        : undefined;
  return { name, description: optString(fn.description, `${param}.description`) ?? "", parameters };
}

/**
 * toolConfig.functionCallingConfig as a canonical tool choice. Mode ANY with
 * allowedFunctionNames is honoured exactly: one name forces that function;
 * several keep only the named declarations and require a call.
 */
function parseToolConfig(
  value: unknown,
  tools: ToolInit[],
): { tools: ToolInit[]; toolChoice: ToolChoiceInit | undefined } {
  if (value === undefined || value === null) return { tools, toolChoice: undefined };
  const config = expectObject(value, "toolConfig");
  for (const key in config) {
    if (key !== "functionCallingConfig" && config[key] != null) {
      throw invalidRequest(`toolConfig.${key} is not supported by the translated Gemini surface`);
    }
  }
  if (config.functionCallingConfig == null) return { tools, toolChoice: undefined };
  const calling = expectObject(config.functionCallingConfig, "toolConfig.functionCallingConfig");
  const mode = optString(calling.mode, "toolConfig.functionCallingConfig.mode") ?? "MODE_UNSPECIFIED";
  const names = (
    optArray(calling.allowedFunctionNames, "toolConfig.functionCallingConfig.allowedFunctionNames") ?? []
  ).map((name, i) => {
    if (typeof name !== "string") {
      throw invalidRequest(
        `toolConfig.functionCallingConfig.allowedFunctionNames[${i}] must be a string, got ${typeName(name)}`,
      );
    }
    return name;
  });
  if (names.length > 0 && mode !== "ANY") {
    throw invalidRequest("toolConfig.functionCallingConfig.allowedFunctionNames is only valid with mode ANY");
  }
  switch (mode) {
    case "MODE_UNSPECIFIED":
      return { tools, toolChoice: undefined };
    case "AUTO":
      return { tools, toolChoice: modeChoice(ToolChoiceMode.AUTO) };
    case "NONE":
      return { tools, toolChoice: modeChoice(ToolChoiceMode.NONE) };
    case "ANY": {
      if (names.length === 0) return { tools, toolChoice: modeChoice(ToolChoiceMode.REQUIRED) };
      for (const name of names) {
        if (!tools.some((tool) => tool.name === name)) {
          throw invalidRequest(
            `toolConfig.functionCallingConfig.allowedFunctionNames: "${name}" is not a declared function`,
          );
        }
      }
      if (names.length === 1)
        return { tools, toolChoice: { choice: { case: "function", value: names[0] as string } } };
      return {
        tools: tools.filter((tool) => names.includes(tool.name ?? "")),
        toolChoice: modeChoice(ToolChoiceMode.REQUIRED),
      };
    }
    default:
      throw invalidRequest(
        `toolConfig.functionCallingConfig.mode must be AUTO, ANY or NONE, got ${JSON.stringify(mode)}`,
      );
  }
}

function modeChoice(mode: ToolChoiceMode): ToolChoiceInit {
  return { choice: { case: "mode", value: mode } };
}
