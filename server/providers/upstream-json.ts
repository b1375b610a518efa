import { GatewayError } from "../errors/gateway-error.ts";

/**
 * Parses an upstream's JSON answer. Anything that is not JSON is the
 * upstream's fault (`upstream_error`, 502), never a crash or a 500; the
 * caller checks the shape it needs.
 */
export function parseUpstreamJson<T>(provider: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new GatewayError("upstream_error", `upstream ${provider} answered with invalid JSON`, { provider });
  }
}
