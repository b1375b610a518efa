/**
 * Response writing for the mock upstream: cancellable delays, backpressure and abrupt connection drops.
 *
 * Every wait goes through `Life.cancel`, which the server calls when the response closes, so a client
 * disconnect clears timers and stops generation immediately instead of leaking work until a timer fires.
 */

import type { ServerResponse } from "node:http";
import type { MockControls } from "./mock-controls.ts";
import type { OpenAIError } from "./mock-errors.ts";
import type { StreamFrames } from "./mock-wire.ts";

/** Per-response state shared with timers so a client disconnect stops generation. */
export interface Life {
  closed: boolean;
  dropped: boolean;
  cancel: (() => void) | undefined;
}

const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache" };

/** Sleep `ms`, waking early (and clearing the timer) if the response closes. */
export function delay(ms: number, life: Life): Promise<void> {
  return new Promise((resolve) => {
    if (life.closed) return resolve();
    const timer = setTimeout(() => {
      life.cancel = undefined;
      resolve();
    }, ms);
    life.cancel = () => {
      clearTimeout(timer);
      life.cancel = undefined;
      resolve();
    };
  });
}

/** Wait for `drain`, or for the response to close (via `life.cancel`), whichever comes first. */
export function drained(res: ServerResponse, life: Life): Promise<void> {
  return new Promise((resolve) => {
    if (life.closed) return resolve();
    const done = () => {
      res.off("drain", done);
      life.cancel = undefined;
      resolve();
    };
    res.once("drain", done);
    life.cancel = done;
  });
}

/** The block padding is written from: a huge answer costs the mock 64 KiB, never its size. */
const SPACES = Buffer.alloc(64 * 1024, 0x20);

/**
 * Writes `frame` with `pad` bytes of spaces after its first `{` (JSON allows whitespace there, so the
 * answer still parses), waiting for `drain` or close between blocks. Resolves false if the client went
 * away meanwhile: a gateway that gives up on a huge answer shows up as an abort.
 */
async function writePadded(res: ServerResponse, frame: string, pad: number, life: Life): Promise<boolean> {
  const at = frame.indexOf("{") + 1;
  res.write(frame.slice(0, at));
  for (let left = pad; left > 0; left -= SPACES.length) {
    if (life.closed) return false;
    const ok = res.write(left >= SPACES.length ? SPACES : SPACES.subarray(0, left));
    if (!ok) await drained(res, life);
  }
  if (life.closed) return false;
  return res.write(frame.slice(at));
}

/**
 * A non-streaming answer padded with `pad` bytes of whitespace (the `pad_bytes` control). Sent chunked,
 * with no Content-Length, so a client must count what it reads to notice the size.
 */
export async function sendPadded(
  res: ServerResponse,
  contentType: string,
  body: string,
  pad: number,
  life: Life,
): Promise<void> {
  res.writeHead(200, { "content-type": contentType });
  if (await writePadded(res, body, pad, life)) res.end();
}

/** Complete non-streaming response with an explicit Content-Length. */
export function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
  res.end(body);
}

export function sendError(res: ServerResponse, err: OpenAIError): void {
  send(res, err.status, "application/json", err.toJson());
}

/**
 * Cut the connection abruptly once what has been written is flushed (FIN, then the socket closed): a
 * stream ends with no finish frame, no `[DONE]` and no end of its chunked body, so a client sees the
 * bytes already sent and then a premature close. Nothing written yet: the client gets no response.
 */
export function drop(res: ServerResponse, life: Life): void {
  life.dropped = true;
  const socket = res.socket;
  // end() flushes (and uncorks) before its FIN; destroy() alone would discard what is still queued.
  socket?.end(() => socket.destroy());
}

/** The `reset` fault: reset the connection (TCP RST) before any response byte. */
export function resetConnection(res: ServerResponse, life: Life): void {
  life.dropped = true;
  res.socket?.resetAndDestroy();
}

/**
 * Write a streamed reply: headers and head frame after `ttftMs`, content frames `itlMs` apart, then the
 * tail; or, with `dropAfter`, cut the connection where content frame `dropAfter` (or the tail) would
 * have come, `itlMs` after the last frame sent. Stops as soon as the client goes away. SSE unless
 * `headers` say otherwise (Ollama streams NDJSON). `pad` bytes of whitespace go inside the last content
 * frame, making it one enormous event after ordinary ones.
 */
export async function streamReply(
  res: ServerResponse,
  frames: StreamFrames,
  ttftMs: number,
  itlMs: number,
  dropAfter: number | undefined,
  life: Life,
  headers: Record<string, string> = SSE_HEADERS,
  pad = 0,
): Promise<void> {
  if (ttftMs > 0) {
    await delay(ttftMs, life);
    if (life.closed) return;
  }
  // With no inter-token delay, batch the frames into one socket write. Cork the socket, not `res`:
  // `res.cork()` keeps chunks in a buffer that `res.end()` does not flush.
  const socket = itlMs === 0 && pad === 0 ? res.socket : null;
  socket?.cork();
  res.writeHead(200, headers);
  const n = frames.count;
  const dropAt = dropAfter === undefined ? -1 : Math.min(dropAfter, n);
  let ok = res.write(frames.head);
  for (let i = 0; i < n; i++) {
    if (!ok && res.writableNeedDrain) {
      socket?.uncork();
      await drained(res, life);
      if (life.closed) return;
      socket?.cork();
    }
    if (i > 0 && itlMs > 0) {
      await delay(itlMs, life);
      if (life.closed) return;
    }
    if (i === dropAt) {
      drop(res, life);
      return;
    }
    const frame = frames.content(i);
    if (pad > 0 && i === n - 1) {
      ok = await writePadded(res, frame, pad, life);
      if (life.closed) return;
    } else ok = res.write(frame);
  }
  if (dropAt === n) {
    if (n > 0 && itlMs > 0) {
      await delay(itlMs, life);
      if (life.closed) return;
    }
    drop(res, life);
    return;
  }
  res.end(frames.tail());
  socket?.uncork();
}

/** Run `fn` after `ms` unless the client went away meanwhile (synchronously when `ms` is 0). */
export function later(ms: number, life: Life, fn: () => void): void {
  if (ms === 0) fn();
  else {
    void delay(ms, life).then(() => {
      if (!life.closed) fn();
    });
  }
}

/**
 * Injected failure: a reset connection (`reset`), or `status` (default 500), optional Retry-After, and
 * either the raw `error_body` or the wire format's own error JSON from `errorBody`.
 */
export function fail(
  res: ServerResponse,
  life: Life,
  controls: MockControls,
  errorBody: (status: number) => string,
): void {
  if (controls.reset === true) {
    resetConnection(res, life);
    return;
  }
  const status = controls.status ?? 500;
  if (controls.retryAfter !== undefined) res.setHeader("retry-after", String(controls.retryAfter));
  if (controls.errorBody !== undefined) send(res, status, "text/plain; charset=utf-8", controls.errorBody);
  else send(res, status, "application/json", errorBody(status));
}
