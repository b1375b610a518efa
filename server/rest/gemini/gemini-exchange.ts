import type { CallInit, Operation } from "../../core/call.ts";
import type { GatewayServices } from "../../core/services.ts";
import type { AnyResponse } from "../../http/cors.ts";
import type { AnyRequest } from "../../http/read-body.ts";
import type { RestLimits } from "../openai/chat-completions.ts";
import { restRequest } from "../rest-call.ts";
import { geminiCredential } from "./gemini-credential.ts";

/** One request to the Gemini surface, as every handler of it receives it. */
export interface GeminiExchange {
  readonly services: GatewayServices;
  readonly limits: RestLimits;
  readonly requestId: string;
  readonly req: AnyRequest;
  readonly res: AnyResponse;
  /** The request URL: the key may be in `?key=`, the stream format in `?alt=`. */
  readonly url: URL;
}

/** What a Gemini handler's call starts from: the REST request, with the key taken the Google way. */
export function geminiCallInit(exchange: GeminiExchange, op: Operation, stream: boolean): CallInit {
  const { services, requestId, req, res, url } = exchange;
  return {
    ...restRequest(req, res, requestId, services.inFlight),
    credential: geminiCredential(req, url),
    surface: "gemini",
    op,
    stream,
  };
}
