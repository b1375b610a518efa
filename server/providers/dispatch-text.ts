import type { IncomingHttpHeaders } from "node:http";
import type { Dispatcher } from "undici";
import { type BodyLimits, responseTooLarge } from "./body-limits.ts";

/** A whole upstream answer, read into memory. */
export interface TextAnswer {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

/**
 * Sends one request through undici's dispatch API and collects the whole
 * answer as text. Unary calls need no body stream: `request()` builds a
 * Readable and a consumer per call, and the benchmark's heap profile showed
 * those objects outliving young-generation GCs. `errorLimit` caps what is
 * kept of an error answer, so a hostile upstream cannot balloon memory; a 2xx
 * answer over `limits.responseBytes` aborts the request at once (its socket
 * is closed, not drained) and rejects with `upstream_response_too_large`.
 * Aborting `signal` aborts the request; the rejection then carries the
 * signal's reason.
 */
export function dispatchText(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  signal: AbortSignal,
  errorLimit: number,
  limits: BodyLimits,
  watcher?: { responseStarted?(): void },
): Promise<TextAnswer> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    let controller: Dispatcher.DispatchController | undefined;
    let statusCode = 0;
    let headers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    let size = 0;
    const onAbort = () => controller?.abort(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    const settle = () => signal.removeEventListener("abort", onAbort);
    const tooLarge = (c: Dispatcher.DispatchController) => {
      const error = responseTooLarge(limits.provider, "answer", limits.responseBytes);
      settle();
      chunks.length = 0;
      reject(error);
      c.abort(error);
    };
    dispatcher.dispatch(options, {
      onRequestStart(c) {
        controller = c;
        if (signal.aborted) c.abort(signal.reason as Error);
      },
      onResponseStart(c, status, responseHeaders) {
        statusCode = status;
        headers = responseHeaders;
        watcher?.responseStarted?.();
        // A declared length over the cap fails before a byte of the body is read.
        if (status < 300 && Number(responseHeaders["content-length"]) > limits.responseBytes) tooLarge(c);
      },
      onResponseData(c, chunk) {
        if (statusCode >= 300 && size >= errorLimit) return;
        if (statusCode < 300 && size + chunk.length > limits.responseBytes) {
          tooLarge(c);
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      },
      onResponseEnd() {
        settle();
        resolve({ statusCode, headers, text: Buffer.concat(chunks, size).toString("utf8") });
      },
      onResponseError(_c, error) {
        settle();
        reject(error);
      },
    });
  });
}
