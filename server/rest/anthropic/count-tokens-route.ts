import type { GatewayServices } from "../../core/services.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { AnyResponse } from "../../http/cors.ts";
import { readJsonBody } from "../../http/json-body.ts";
import type { AnyRequest } from "../../http/read-body.ts";
import { allowsModel } from "../../policy/auth/key-scope.ts";
import { validateChat } from "../../policy/validate/validate-chat.ts";
import { estimateUsage } from "../../usage/token-estimate.ts";
import type { RestLimits } from "../openai/chat-completions.ts";
import { sendJson } from "../respond.ts";
import { header, restCredential } from "../rest-call.ts";
import { sendAnthropicError } from "./anthropic-error.ts";
import { checkAnthropicVersion } from "./anthropic-version.ts";
import { parseMessagesRequest } from "./parse-messages-request.ts";

/**
 * `POST /v1/messages/count_tokens`: `{"input_tokens": n}` for a Messages
 * body, counted by the gateway's own tokenizer (the estimate it uses when an
 * upstream reports no usage), so it answers the same whichever backend
 * would serve the model, and costs no upstream call. The body is checked as
 * strictly as a real request's, `max_tokens` aside.
 */
export async function countTokensRoute(
  services: GatewayServices,
  limits: RestLimits,
  requestId: string,
  req: AnyRequest,
  res: AnyResponse,
): Promise<void> {
  try {
    const key = services.auth.authenticate(restCredential(req), requestId);
    checkAnthropicVersion(header(req, "anthropic-version"));
    const { request } = parseMessagesRequest(await readJsonBody(req, limits.bodyLimit), undefined, true);
    // The pipeline's own checks, which this route (outside the pipeline) would otherwise skip.
    validateChat(request);
    if (key.scope !== undefined && !allowsModel(key.scope, request.model)) {
      throw new GatewayError("permission_denied", `this key may not use the model "${request.model}"`, {
        param: "model",
      });
    }
    const usage = await estimateUsage(request, "");
    sendJson(res, 200, JSON.stringify({ input_tokens: usage.promptTokens }));
  } catch (error) {
    sendAnthropicError(res, error, requestId);
  }
}
