import type { OllamaToolCall } from "./ollama-wire-types.ts";

/** A tool call in canonical form. */
export interface CanonicalToolCall {
  id: string;
  name: string;
  arguments: string;
}

/**
 * An Ollama tool call in canonical form. Ollama sends the arguments as a JSON
 * object, which becomes the JSON string callers expect; older Ollama versions
 * send no id, so the call gets `call_<n>` (n counts the answer's tool calls),
 * which is what the caller echoes back as `tool_call_id`.
 */
export function toolCallFromOllama(call: OllamaToolCall, ordinal: number): CanonicalToolCall {
  const fn = call.function ?? {};
  const args = fn.arguments;
  return {
    id: typeof call.id === "string" && call.id !== "" ? call.id : `call_${ordinal}`,
    name: typeof fn.name === "string" ? fn.name : "",
    arguments: typeof args === "string" ? args : JSON.stringify(args ?? {}),
  };
}
