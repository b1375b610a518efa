/**
 * Reading a server stream so that it ends when the reader does. connect-es
 * cancels a call only when its AbortSignal fires: leaving a `for await`
 * loop with `break`, `return` or a throw does not (see docs/sdk.md). The
 * helpers here own a signal per call, abort it in `finally`, and follow the
 * caller's own signal, so stopping the loop or aborting the caller's signal
 * cancels the RPC at once, and the gateway aborts the upstream request.
 */

/**
 * Runs `start` with a signal of its own, yields what the stream yields, and
 * cancels the call as soon as the reader stops, the stream fails, or the
 * caller's `signal` fires (the loop then throws Connect's `Canceled`).
 */
export async function* cancelOnExit<T>(
  start: (signal: AbortSignal) => AsyncIterable<T>,
  signal?: AbortSignal,
): AsyncGenerator<T> {
  const controller = new AbortController();
  const follow = () => controller.abort(signal?.reason);
  if (signal?.aborted) follow();
  else signal?.addEventListener("abort", follow, { once: true });
  try {
    yield* start(controller.signal);
  } finally {
    signal?.removeEventListener("abort", follow);
    // After a normal end this only stops what is already over.
    controller.abort();
  }
}
