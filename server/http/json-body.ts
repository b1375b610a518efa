import { GatewayError } from "../errors/gateway-error.ts";
import { type AnyRequest, parseJsonBody, readBody } from "./read-body.ts";

/** `application/json`, or any `application/…+json` type, with or without parameters. */
const JSON_MEDIA_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;

/**
 * Reads a JSON request body, refusing one that says it is something else.
 * A form post or a `text/plain` body is what a browser page may send to
 * another origin without a CORS preflight; refusing it (415) keeps a page
 * from spending an open gateway's quota. A body with no Content-Type is
 * read as JSON, as raw clients send it.
 */
export async function readJsonBody(req: AnyRequest, limit: number, signal?: AbortSignal): Promise<unknown> {
  refuseNonJson(req);
  return parseJsonBody(await readBody(req, limit, signal));
}

/** Throws `unsupported_media_type` (and drains the body) when the request says its body is not JSON. */
export function refuseNonJson(req: AnyRequest): void {
  const type = req.headers["content-type"];
  if (type !== undefined && !JSON_MEDIA_TYPE.test(type)) {
    req.resume();
    throw new GatewayError(
      "unsupported_media_type",
      `the request body must be JSON (Content-Type: application/json), not ${type.split(";")[0]}`,
    );
  }
}
