/**
 * What "an answer or an error in the caller's format" means for each REST
 * surface: the error body shape, and how a stream must end (a final event or
 * an error event, never cut short).
 */
export type Format = "openai" | "responses" | "anthropic" | "gemini" | "ollama";

// biome-ignore lint/suspicious/noExplicitAny: the fuzz checks walk untyped JSON
type Json = any;

function parse(text: string): Json {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** True when a non-2xx body is the surface's own error shape. */
export function isErrorBody(format: Format, text: string): boolean {
  const body = parse(text);
  if (body === undefined || body === null) return false;
  switch (format) {
    case "openai":
    case "responses":
      return typeof body.error?.message === "string" && typeof body.error?.type === "string";
    case "anthropic":
      return body.type === "error" && typeof body.error?.type === "string";
    case "gemini":
      return typeof body.error?.code === "number" && typeof body.error?.status === "string";
    case "ollama":
      return typeof body.error === "string";
  }
}

/** The `data:` payloads of an SSE body, and the event names, in order. */
function sse(text: string): { data: string[]; events: string[] } {
  const data: string[] = [];
  const events: string[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith("data:")) data.push(line.slice(5).trim());
      else if (line.startsWith("event:")) events.push(line.slice(6).trim());
    }
  }
  return { data, events };
}

/** True when a 200 stream body ends with its surface's final event or an error event. */
export function streamEnded(format: Format, text: string): boolean {
  if (format === "ollama") {
    const lines = text.split("\n").filter((l) => l.trim() !== "");
    const last = parse(lines.at(-1) ?? "");
    return last?.done === true || typeof last?.error === "string";
  }
  const { data, events } = sse(text);
  const last = data.at(-1);
  if (last === undefined) return false;
  switch (format) {
    case "openai":
      return last === "[DONE]" || parse(last)?.error !== undefined;
    case "anthropic":
      return events.at(-1) === "message_stop" || events.at(-1) === "error";
    case "responses":
      return ["response.completed", "response.incomplete", "response.failed"].includes(
        String(parse(last)?.type),
      );
    case "gemini": {
      const body = parse(last);
      return (
        body?.error !== undefined ||
        body?.candidates?.some((c: Json) => c.finishReason !== undefined) === true
      );
    }
  }
}
