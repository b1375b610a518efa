/**
 * The browser side of the WatchUsage test: a connect-web gRPC-Web client,
 * bundled by esbuild and run in headless Chromium from another origin,
 * watching the gateway's live usage until its first event.
 */
import { createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { UsageService } from "../../gen/llmgw/v1/usage_pb.js";

interface Seen {
  requestId: string;
  key: string;
  status: string;
  /** Date.now() when the event arrived in the page. */
  at: number;
}

declare global {
  interface Window {
    watchLlmgw(baseUrl: string, key: string): void;
    firstUsageEvent: Promise<Seen>;
  }
}

window.watchLlmgw = (baseUrl, key) => {
  const client = createClient(UsageService, createGrpcWebTransport({ baseUrl }));
  const abort = new AbortController();
  window.firstUsageEvent = (async () => {
    try {
      for await (const { event } of client.watchUsage(
        {},
        { signal: abort.signal, headers: { authorization: `Bearer ${key}` } },
      )) {
        if (event === undefined) continue;
        return { requestId: event.requestId, key: event.key, status: event.status, at: Date.now() };
      }
      throw new Error("the watch ended without an event");
    } finally {
      abort.abort();
    }
  })();
};
