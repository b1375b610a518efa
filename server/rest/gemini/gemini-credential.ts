import type { AnyRequest } from "../../http/read-body.ts";
import { header, restCredential } from "../rest-call.ts";

/**
 * The caller's key as Google's clients send it: the `x-goog-api-key` header
 * (`@google/genai`), else the `?key=` query parameter (curl examples, older
 * clients), else `Authorization: Bearer` or `x-api-key` as on every REST
 * route. A blank value counts as absent.
 */
export function geminiCredential(req: AnyRequest, url: URL): string | undefined {
  const goog = header(req, "x-goog-api-key")?.trim();
  if (goog) return goog;
  const query = url.searchParams.get("key")?.trim();
  if (query) return query;
  return restCredential(req);
}
