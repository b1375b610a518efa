import type { GatewayServices } from "../../../core/services.ts";
import type { AnyResponse } from "../../../http/cors.ts";
import type { AnyRequest } from "../../../http/read-body.ts";
import { sendError, sendJson } from "../../respond.ts";
import { restCredential } from "../../rest-call.ts";
import { openAIErrorBody } from "../openai-error.ts";
import { ownResponse } from "./stored-conversation.ts";

/** `GET /v1/responses/{id}`: a stored response as it was returned, to the key that made it (or an admin). */
export async function getResponse(
  services: GatewayServices,
  id: string,
  requestId: string,
  req: AnyRequest,
  res: AnyResponse,
): Promise<void> {
  try {
    const key = services.auth.authenticate(restCredential(req), requestId);
    const stored = await ownResponse(services.responses, id, key);
    sendJson(res, 200, stored.response);
  } catch (error) {
    sendError(res, error, openAIErrorBody);
  }
}

/** `DELETE /v1/responses/{id}`: forgets a stored response; it can no longer be read or continued. */
export async function deleteResponse(
  services: GatewayServices,
  id: string,
  requestId: string,
  req: AnyRequest,
  res: AnyResponse,
): Promise<void> {
  try {
    const key = services.auth.authenticate(restCredential(req), requestId);
    await ownResponse(services.responses, id, key);
    await services.responses.delete(id);
    sendJson(res, 200, JSON.stringify({ id, object: "response", deleted: true }));
  } catch (error) {
    sendError(res, error, openAIErrorBody);
  }
}
