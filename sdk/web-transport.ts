import type { Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { apiKey } from "./client.ts";

export interface WebTransportOptions {
  /** The gateway's base URL; in a page the gateway serves, `location.origin`. */
  readonly baseUrl: string;
  /** The API key, sent as `authorization: Bearer`; leave out for an open gateway. */
  readonly apiKey?: string;
  /** gRPC-Web (the default) or Connect; both reach the gateway's one port over fetch. */
  readonly protocol?: "grpc-web" | "connect";
  /**
   * Connect only: send the read-only RPCs (those marked `NO_SIDE_EFFECTS`)
   * as HTTP GET, message in the query, so browsers and proxies may cache
   * them. Other RPCs are POSTed as usual.
   */
  readonly useHttpGet?: boolean;
  /** A fetch of your own (tests, or a proxy); the global one by default. */
  readonly fetch?: typeof globalThis.fetch;
}

/**
 * A connect-web transport to the gateway, over the Fetch API: for browser
 * apps (the dashboard uses it), and for any runtime with fetch.
 *
 * @example
 * const llmgw = createLlmgwClient(createWebTransport({ baseUrl: location.origin, apiKey: key }));
 */
export function createWebTransport(options: WebTransportOptions): Transport {
  const interceptors = options.apiKey === undefined ? [] : [apiKey(options.apiKey)];
  const common = {
    baseUrl: options.baseUrl,
    interceptors,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  };
  if ((options.protocol ?? "grpc-web") === "grpc-web") return createGrpcWebTransport(common);
  return createConnectTransport({ ...common, useHttpGet: options.useHttpGet ?? false });
}
