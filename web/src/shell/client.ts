import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { apiKey, createLlmgwClient, type LlmgwClient } from "../../../sdk/client.ts";
import type { Connection } from "./connection.ts";

/**
 * The dashboard's typed client: the project's own SDK over gRPC-Web, to the
 * gateway that served the page (same origin, so no CORS), with the key as
 * `authorization: Bearer` and every outcome reported to the connection watch.
 */
export function dashboardClient(key: string, connection: Connection): LlmgwClient {
  return createLlmgwClient(
    createGrpcWebTransport({
      baseUrl: location.origin,
      interceptors: [apiKey(key), connection.interceptor],
    }),
  );
}
