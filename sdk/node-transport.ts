import type { Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { apiKey } from "./client.ts";

export interface NodeTransportOptions {
  /** The gateway's base URL, e.g. `http://127.0.0.1:8080`. */
  readonly baseUrl: string;
  /** The API key, sent as `authorization: Bearer`; leave out for an open gateway. */
  readonly apiKey?: string;
  /** The wire protocol; gRPC (over HTTP/2) by default. All three reach the same port. */
  readonly protocol?: "grpc" | "grpc-web" | "connect";
  /**
   * Connect only: send the read-only RPCs (those marked `NO_SIDE_EFFECTS`)
   * as HTTP GET, message in the query (cacheable). Other RPCs are POSTed.
   */
  readonly useHttpGet?: boolean;
}

/** A connect-node transport to the gateway, for backend services. */
export function createNodeTransport(options: NodeTransportOptions): Transport {
  const interceptors = options.apiKey === undefined ? [] : [apiKey(options.apiKey)];
  const { baseUrl } = options;
  switch (options.protocol ?? "grpc") {
    case "grpc":
      return createGrpcTransport({ baseUrl, interceptors });
    case "grpc-web":
      return createGrpcWebTransport({ baseUrl, httpVersion: "1.1", interceptors });
    case "connect":
      return createConnectTransport({
        baseUrl,
        httpVersion: "1.1",
        interceptors,
        useHttpGet: options.useHttpGet ?? false,
      });
  }
}
