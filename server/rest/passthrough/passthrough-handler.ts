import type { PassthroughConfig } from "../../config/passthrough-schema.ts";
import { createCall, type RawRequest } from "../../core/call.ts";
import type { GatewayServices } from "../../core/services.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { AnyResponse } from "../../http/cors.ts";
import { refuseNonJson } from "../../http/json-body.ts";
import { type AnyRequest, parseJsonBody, readBody } from "../../http/read-body.ts";
import { setLimitHeaders } from "../limit-headers.ts";
import { header, restRequest } from "../rest-call.ts";
import { parsedCopy } from "./parsed-copy.ts";
import { sendPassthroughError } from "./passthrough-error.ts";
import { PassthroughRoutes, type PassthroughTarget } from "./passthrough-paths.ts";
import { sendRaw } from "./send-raw.ts";

/** Where the gateway key travels on a route that forwards the caller's own provider key. */
export const GATEWAY_KEY_HEADER = "x-llmgw-key";

/** Takes a request if it is under a pass-through route (and answers it); false when it is not. */
export type PassthroughHandler = (req: AnyRequest, res: AnyResponse, requestId: string) => boolean;

/**
 * The pass-through surface: `{mount}/{anthropic,openai,gemini}/*`. The
 * caller's body goes upstream byte for byte and the upstream's answer comes
 * back the same way; the chain runs on a parsed copy (parsed-copy.ts), so
 * keys, limits, budgets, scopes and the ledger apply as on every surface,
 * and the gateway's own refusals come in the route's API's error shape.
 */
export function passthroughHandler(
  services: GatewayServices,
  bodyLimit: number,
  config: PassthroughConfig,
): PassthroughHandler {
  const routes = new PassthroughRoutes(config);
  return (req, res, requestId) => {
    const url = req.url ?? "/";
    const route = routes.match(url);
    if (route === undefined) return false;
    let target: PassthroughTarget;
    try {
      if (req.method !== "POST") {
        res.setHeader("allow", "POST");
        throw new GatewayError("method_not_allowed", `${req.method} is not passed through; use POST`);
      }
      target = routes.target(route, config, url);
    } catch (error) {
      req.resume();
      sendPassthroughError(res, route.api, error, requestId);
      return true;
    }
    void serve(services, bodyLimit, target, req, res, requestId);
    return true;
  };
}

async function serve(
  services: GatewayServices,
  bodyLimit: number,
  target: PassthroughTarget,
  req: AnyRequest,
  res: AnyResponse,
  requestId: string,
): Promise<void> {
  const route = target.route;
  const api = route.api;
  const raw: RawRequest = {
    api,
    method: "POST",
    path: target.path,
    headers: req.headers,
    body: undefined,
    provider: route.provider,
    callerKey: route.forward_caller_key,
    allowPrivate: route.allow_private,
  };
  const rest = restRequest(req, res, requestId, services.inFlight);
  const call = createCall({
    ...rest,
    // The caller's provider key goes upstream on such routes; the gateway's own comes apart.
    credential: route.forward_caller_key
      ? header(req, GATEWAY_KEY_HEADER)
      : (rest.credential ?? header(req, "x-goog-api-key") ?? target.queryKey),
    surface: `passthrough-${api}`,
    op: "chat",
    stream: false,
    raw,
    decode: async () => {
      refuseNonJson(req);
      const body = await readBody(req, bodyLimit, call.signal);
      const parsed = parsedCopy(api, parseJsonBody(body), target.path);
      raw.body = body;
      call.chat = parsed.chat;
      call.stream = parsed.stream;
    },
  });
  try {
    const answer = await services.pipeline(call);
    if (answer.kind !== "raw") throw new GatewayError("internal", `unexpected ${answer.kind} answer`);
    await sendRaw(res, answer.status, answer.headers, answer.body);
  } catch (error) {
    setLimitHeaders(res, call.limits);
    sendPassthroughError(res, api, error, requestId);
  }
}
