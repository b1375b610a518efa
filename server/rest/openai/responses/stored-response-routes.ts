import type { GatewayServices } from "../../../core/services.ts";
import type { AnyResponse } from "../../../http/cors.ts";
import type { AnyRequest } from "../../../http/read-body.ts";
import type { StoredResponse } from "../../../state/response-store.ts";
import { sendError, sendJson } from "../../respond.ts";
import { restCredential } from "../../rest-call.ts";
import { openAIErrorBody } from "../openai-error.ts";
import { ownResponse } from "./stored-conversation.ts";

/** `GET /v1/responses/{id}`: a stored response as it was returned, to the key that made it (or an admin). */
export function getResponse(
  services: GatewayServices,
  id: string,
  requestId: string,
  req: AnyRequest,
  res: AnyResponse,
): Promise<void> {
  return withOwnResponse(services, id, requestId, req, res, async (stored) => stored.response);
}

/** `DELETE /v1/responses/{id}`: forgets a stored response; it can no longer be read or continued. */
export function deleteResponse(
  services: GatewayServices,
  id: string,
  requestId: string,
  req: AnyRequest,
  res: AnyResponse,
): Promise<void> {
  return withOwnResponse(services, id, requestId, req, res, async () => {
    await services.responses.delete(id);
    return JSON.stringify({ id, object: "response", deleted: true });
  });
}

/** Authenticates the caller, finds its own response by id, and sends what `answer` makes of it. */
async function withOwnResponse(
  services: GatewayServices,
  id: string,
  requestId: string,
  req: AnyRequest,
  res: AnyResponse,
  answer: (stored: StoredResponse) => Promise<string>,
): Promise<void> {
  try {
    const key = services.auth.authenticate(restCredential(req), requestId);
    sendJson(res, 200, await answer(await ownResponse(services.responses, id, key)));
  } catch (error) {
    sendError(res, error, openAIErrorBody);
  }
}
