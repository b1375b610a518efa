import type { GatewayError } from "../../errors/gateway-error.ts";

/**
 * A GatewayError as Ollama's error body, `{"error": "message"}`: the one shape
 * Ollama answers with, before a stream (with the status from the error table)
 * and as the last NDJSON line of a stream that failed. The `ollama` client
 * throws its text either way.
 */
export function ollamaErrorBody(error: GatewayError): string {
  return JSON.stringify({ error: error.message });
}
