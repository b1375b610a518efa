import type { IncomingMessage, ServerResponse } from "node:http";
import { codeToHttpStatus, errorToJsonBytes } from "@connectrpc/connect/protocol-connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { requestIdFrom } from "../core/request-id.ts";
import type { GatewayError } from "../errors/gateway-error.ts";
import { connectErrorOf } from "./connect-error.ts";

/** gRPC and gRPC-Web carry their status in trailers, or in the headers of a trailers-only answer. */
const GRPC_TYPE = /^application\/grpc(?:-web)?(?:[+;]|$)/i;

/**
 * Answers a request on an RPC route with a gateway error, in the caller's own
 * protocol, when no RPC handler will: the net layer's body deadline fires
 * before connect-node or the direct gRPC path has the message. gRPC and
 * gRPC-Web get a trailers-only answer with the status, message and
 * ErrorDetail; Connect gets its JSON error body and HTTP status.
 */
export function sendRpcError(req: IncomingMessage, res: ServerResponse, error: GatewayError): void {
  const failure = connectErrorOf(error, requestIdFrom(header(req, "x-request-id")));
  const type = header(req, "content-type") ?? "";
  if (GRPC_TYPE.test(type)) {
    const headers = setTrailerStatus(new Headers({ "content-type": type.split(";")[0] ?? type }), failure);
    res.writeHead(200, plain(headers));
    res.end();
    return;
  }
  const body = errorToJsonBytes(failure, {});
  res.writeHead(codeToHttpStatus(failure.code), {
    "content-type": "application/json",
    "content-length": String(body.byteLength),
  });
  res.end(body);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function plain(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}
