import type { Http2Stream } from "node:http2";
import { constants } from "node:http2";
import { GatewayError } from "../errors/gateway-error.ts";
import { h2Stream } from "./client-gone.ts";
import type { AnyResponse } from "./cors.ts";
import { type AnyRequest, BODY_TIMEOUT } from "./read-body.ts";

/** Answers a request with a gateway error in the caller's own format (the surfaces know which). */
export type SendError = (req: AnyRequest, res: AnyResponse, error: GatewayError) => void;

/**
 * Bounds how long a request may take to send its body, whoever reads it.
 * Neither Node nor connect-node limits this: a `Content-Length: 100000` body
 * that sends one byte holds its connection (or HTTP/2 stream) for as long as
 * the sender likes, and connect-node reads a whole message before any of our
 * code runs, so no handler can do it. Every RPC here is unary or
 * server-streaming, so every request body is complete soon after its head.
 *
 * Runs for every request at the net layer. When the body has not ended within
 * `timeoutMs`, whoever is reading the body fails with `request_timeout`, the
 * caller gets that error in its own format if no response has started (`send`
 * knows the surfaces: gRPC status, Connect error or OpenAI JSON), and then its
 * HTTP/1.1 connection or HTTP/2 stream is closed. A request with no body costs nothing.
 */
export function bodyDeadline(req: AnyRequest, res: AnyResponse, timeoutMs: number, send: SendError): void {
  const stream = h2Stream(req);
  if (stream === undefined ? !hasH1Body(req) : stream.endAfterHeaders) return;
  const timer = setTimeout(() => expire(req, res, stream, timeoutMs, send), timeoutMs);
  timer.unref();
  // 'close' on the request: its body was read to the end (also when Node drains an unread
  // body after the response) or its connection or stream went away.
  req.once("close", () => clearTimeout(timer));
}

function hasH1Body(req: AnyRequest): boolean {
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

/** Whether the client has sent the whole body, read by a handler or not. */
function bodyComplete(req: AnyRequest, stream: Http2Stream | undefined): boolean {
  if (stream === undefined) return req.complete;
  return stream.destroyed || stream.state.remoteClose === 1;
}

function expire(
  req: AnyRequest,
  res: AnyResponse,
  stream: Http2Stream | undefined,
  timeoutMs: number,
  send: SendError,
): void {
  if (bodyComplete(req, stream)) return;
  const error = new GatewayError(
    "request_timeout",
    `the request body did not arrive in full within ${timeoutMs} ms`,
  );
  req.emit(BODY_TIMEOUT, error);
  const close = () => {
    if (stream === undefined) req.socket.destroy();
    else if (!stream.destroyed) stream.close(constants.NGHTTP2_NO_ERROR);
  };
  if (res.headersSent) {
    close();
    return;
  }
  // The compat response emits 'finish' only once its stream has closed; the stream's own 'finish' says the reply is out.
  if (stream === undefined) res.once("finish", close);
  else stream.once("finish", close);
  if (stream === undefined) res.setHeader("connection", "close");
  send(req, res, error);
}
