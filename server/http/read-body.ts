import type { IncomingMessage } from "node:http";
import { GatewayError, invalidRequest } from "../errors/gateway-error.ts";

/**
 * The request type handlers see. HTTP/2 compat requests are handed over as
 * this type too: every member the handlers use exists on both.
 */
export type AnyRequest = IncomingMessage;

/**
 * Reads a request body up to `limit` bytes, until `signal` (the call's) aborts. A declared Content-Length over
 * the limit is refused before reading; a body that grows past it stops being
 * kept (the rest is drained and dropped). Either way the caller gets
 * `payload_too_large` (413 / ResourceExhausted). Listeners rather than an
 * async iterator: this runs for every request, and the iterator's promise
 * machinery showed up in the allocation profile.
 *
 * `announced`, when given, reads the size a framed body declares for itself
 * from its first bytes (a gRPC message prefix): a body announcing more than
 * the limit is refused as soon as those bytes arrive, not when the limit's
 * worth of it has been received.
 */
export function readBody(
  req: AnyRequest,
  limit: number,
  signal?: AbortSignal,
  announced?: Announced,
): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (declared > limit) {
    req.resume();
    return Promise.reject(tooLarge(limit));
  }
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
      req.off(BODY_TIMEOUT, onTimeout);
      signal?.removeEventListener("abort", onAbort);
    };
    // The body deadline passed (see body-deadline.ts): the caller was told `request_timeout`.
    const onTimeout = (error: GatewayError) => {
      done();
      reject(error);
    };
    // The call ended while its body was still arriving: a deadline, or the gateway shutting down.
    const onAbort = () => {
      done();
      reject(signal?.reason);
    };
    let unchecked = announced;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (unchecked !== undefined && size >= unchecked.bytes) {
        const head = chunks.length === 0 ? chunk : Buffer.concat([...chunks, chunk]);
        if (unchecked.size(head) > limit) size = Number.POSITIVE_INFINITY;
        unchecked = undefined;
      }
      if (size > limit) {
        done();
        req.resume();
        reject(tooLarge(limit));
      } else chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      done();
      reject(new GatewayError("cancelled", "the client broke off the request body", { cause: error }));
    };
    const onClose = () => {
      done();
      reject(new GatewayError("cancelled", "the client closed the connection before sending the whole body"));
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
    req.on(BODY_TIMEOUT, onTimeout);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** How a framed body announces its size: the bytes it takes to tell, and the size they tell. */
export interface Announced {
  readonly bytes: number;
  readonly size: (head: Buffer) => number;
}

/**
 * The event the body deadline emits on a request whose body did not arrive in time, with its
 * `request_timeout` error, so that whoever is reading the body fails with what the caller was told.
 */
export const BODY_TIMEOUT = "llmgw:body-timeout";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Decodes a JSON body strictly: invalid UTF-8 and malformed JSON are both the caller's error, said clearly. */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) throw invalidRequest("the request body is empty; send a JSON object");
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw invalidRequest("the request body is not valid UTF-8");
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalidRequest(`the request body is not valid JSON: ${(error as Error).message}`);
  }
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError("payload_too_large", `the request body is larger than the ${limit}-byte limit`);
}
