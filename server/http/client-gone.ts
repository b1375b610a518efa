import type { Http2Stream } from "node:http2";
import type { AnyResponse } from "./cors.ts";
import type { AnyRequest } from "./read-body.ts";

/**
 * The HTTP/2 stream behind a compat request or response, if there is one.
 * @private
 */
export function h2Stream(message: AnyRequest | AnyResponse): Http2Stream | undefined {
  return (message as { stream?: Http2Stream }).stream;
}

/**
 * Calls `listener` exactly once if the client goes away before the response
 * has been completely sent: an HTTP/1.1 socket closed early, an HTTP/2
 * stream reset (RST_STREAM), or an HTTP/2 connection dropped. Never called
 * for a response that was sent in full.
 *
 * Why not `res.once("close")` and `res.writableFinished` alone: that is right
 * for HTTP/1.1, but Node's HTTP/2 compat layer emits 'finish' and 'close' on
 * a reset stream and reports `writableFinished` as true, so a check on the
 * response alone never sees an HTTP/2 cancel. The stream itself knows: it
 * emits 'aborted' (and sets `aborted`) when it closes abnormally with its
 * writable side still open, and a dropped session destroys its streams the
 * same way.
 */
export function onClientGone(req: AnyRequest, res: AnyResponse, listener: () => void): void {
  let fired = false;
  const fire = () => {
    if (fired) return;
    fired = true;
    listener();
  };
  const stream = h2Stream(res) ?? h2Stream(req);
  if (stream !== undefined) {
    if (stream.destroyed || stream.closed) {
      if (stream.aborted) fire();
      return;
    }
    stream.once("aborted", fire);
    // A belt to the braces above: a stream that closes aborted without the event reaching us.
    stream.once("close", () => {
      stream.off("aborted", fire);
      if (stream.aborted) fire();
    });
    return;
  }
  if (res.destroyed || res.writableFinished) {
    if (!res.writableFinished) fire();
    return;
  }
  res.once("close", () => {
    if (!res.writableFinished) fire();
  });
}

/**
 * True once the response can no longer carry anything to the client: its
 * socket or HTTP/2 stream is closed or destroyed. (The compat response's own
 * `destroyed` is undefined, so HTTP/2 needs the stream's.)
 */
export function responseClosed(res: AnyResponse): boolean {
  const stream = h2Stream(res);
  if (stream !== undefined) return stream.destroyed || stream.closed;
  return res.destroyed;
}

/**
 * Resolves when the response can take more writes (`drain`) or never will:
 * its socket closed, or its HTTP/2 stream closed, was reset or was aborted.
 * Never `drain` alone, which a vanished client never sends. A response
 * already closed resolves at once, since its events are in the past.
 */
export function writableOrGone(res: AnyResponse): Promise<void> {
  if (responseClosed(res)) return Promise.resolve();
  const stream = h2Stream(res);
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      stream?.off("close", done);
      stream?.off("aborted", done);
      resolve();
    };
    res.once("drain", done);
    res.once("close", done);
    stream?.once("close", done);
    stream?.once("aborted", done);
  });
}
