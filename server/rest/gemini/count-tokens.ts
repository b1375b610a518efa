import { GatewayError } from "../../errors/gateway-error.ts";
import { readJsonBody } from "../../http/json-body.ts";
import { listsModel } from "../../policy/auth/key-scope.ts";
import { validateChat } from "../../policy/validate/validate-chat.ts";
import { estimateUsage } from "../../usage/token-estimate.ts";
import { expectObject } from "../openai/json-fields.ts";
import { sendError, sendJson } from "../respond.ts";
import { geminiCredential } from "./gemini-credential.ts";
import { geminiErrorBody } from "./gemini-error.ts";
import type { GeminiExchange } from "./gemini-exchange.ts";
import type { GeminiModelRef } from "./gemini-path.ts";
import { parseGenerateRequest } from "./parse-generate-request.ts";

/*
 * Follows the Gemini API reference (ai.google.dev/api/tokens): the body is
 * `{contents}` or `{generateContentRequest: {model, contents, ...}}`, and the
 * answer `{totalTokens}`.
 */

/**
 * `POST /{v1beta,v1}/models/{model}:countTokens`: the prompt's tokens,
 * counted by the gateway's own tokenizer (no upstream call, so nothing is
 * spent or accounted). Like `GET /v1/models/{id}`, it answers for models the
 * catalogue knows and the key may use; the count is an estimate for
 * non-OpenAI tokenizers, and says so in `x-llmgw.estimated`.
 */
export async function countTokens(exchange: GeminiExchange, target: GeminiModelRef): Promise<void> {
  const { services, limits, requestId, req, res, url } = exchange;
  try {
    const scope = services.auth.authenticate(geminiCredential(req, url), requestId).scope;
    const entry = services.catalog.find(target.model);
    if (entry === undefined || !listsModel(scope, entry)) {
      throw new GatewayError("model_not_found", `the model "${target.model}" does not exist`, {
        param: "model",
      });
    }
    const body = expectObject(await readJsonBody(req, limits.bodyLimit), "body");
    let inner: unknown = { contents: body.contents };
    for (const key in body) {
      if (key === "generateContentRequest" && body[key] != null) {
        if (body.contents != null)
          throw new GatewayError("invalid_request", "set contents or generateContentRequest, not both");
        const { model: _model, ...rest } = expectObject(body[key], "generateContentRequest");
        inner = rest;
      } else if (key !== "contents" && body[key] != null) {
        throw new GatewayError("invalid_request", `Invalid JSON payload received. Unknown name "${key}"`);
      }
    }
    // Checked as generateContent would be (no pipeline runs here), so that nothing too deep is serialized.
    const request = parseGenerateRequest(inner, target.model);
    validateChat(request);
    const usage = await estimateUsage(request, "");
    sendJson(res, 200, JSON.stringify({ totalTokens: usage.promptTokens, "x-llmgw": { estimated: true } }));
  } catch (error) {
    sendError(res, error, geminiErrorBody);
  }
}
