import type { IncomingHttpHeaders } from "node:http";
import type { Dispatcher } from "undici";

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
 * those objects outliving young-generation GCs. `limit` caps what is kept of
 * an error answer, so a hostile upstream cannot balloon memory. Aborting
 * `signal` aborts the request; the rejection then carries the signal's reason.
 */
export function dispatchText(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  signal: AbortSignal,
  errorLimit: number,
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
    dispatcher.dispatch(options, {
      onRequestStart(c) {
        controller = c;
        if (signal.aborted) c.abort(signal.reason as Error);
      },
      onResponseStart(_c, status, responseHeaders) {
        statusCode = status;
        headers = responseHeaders;
      },
      onResponseData(_c, chunk) {
        if (statusCode >= 300 && size >= errorLimit) return;
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
