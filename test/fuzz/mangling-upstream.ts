import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** How to mangle the next upstream answer. Positions are taken modulo the answer's length. */
export interface Mangling {
  /** Byte positions where the answer is split into separate writes. */
  readonly cuts: readonly number[];
  /** Cut the answer short at this byte. */
  readonly truncate?: number | undefined;
  /** With `truncate`: reset the connection instead of ending the body cleanly. */
  readonly abrupt: boolean;
  /** Send this event (SSE block or NDJSON line) twice. */
  readonly duplicate?: number | undefined;
  /** Insert bytes that are not UTF-8 here. */
  readonly invalidUtf8?: number | undefined;
}

export interface ManglingUpstream {
  readonly url: string;
  /** Where answers come from (the real mock); set before the first request. */
  target: string;
  /** The mangling the next answer gets; each request takes it, and answers after it are left whole. */
  next: Mangling | undefined;
  close(): Promise<void>;
}

const FORWARDED = ["content-type", "authorization", "x-api-key", "x-goog-api-key", "anthropic-version"];
const NOT_UTF8 = Buffer.from([0xff, 0xfe, 0xc3, 0x28]);

/**
 * A fault-injecting upstream for the fuzz suite: it forwards each request to
 * the real mock, takes its whole answer (SSE, NDJSON or JSON, whatever the
 * adapter asked for), and sends it on mangled: split anywhere, cut short,
 * an event duplicated, bytes that are not UTF-8. So every adapter's parser
 * meets broken wire formats it did not choose.
 */
export async function startManglingUpstream(): Promise<ManglingUpstream> {
  const state: { target: string; next: Mangling | undefined } = { target: "", next: undefined };
  const server = createServer((req, res) => {
    void forward(state, req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get target() {
      return state.target;
    },
    set target(value: string) {
      state.target = value;
    },
    get next() {
      return state.next;
    },
    set next(value: Mangling | undefined) {
      state.next = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function forward(
  state: { target: string; next: Mangling | undefined },
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers: Record<string, string> = {};
  for (const name of FORWARDED) {
    const value = req.headers[name];
    if (typeof value === "string") headers[name] = value;
  }
  const method = req.method ?? "GET";
  const answer = await fetch(`${state.target}${req.url ?? "/"}`, {
    method,
    headers,
    body: method === "GET" || method === "HEAD" ? undefined : Buffer.concat(chunks),
  });
  let body: Buffer = Buffer.from(await answer.arrayBuffer());
  const type = answer.headers.get("content-type") ?? "application/json";
  const plan = state.next;
  state.next = undefined;
  if (plan === undefined || answer.status !== 200 || body.length === 0) {
    res.writeHead(answer.status, { "content-type": type });
    res.end(body);
    return;
  }
  if (plan.duplicate !== undefined) body = duplicateEvent(body, type, plan.duplicate);
  if (plan.invalidUtf8 !== undefined) {
    const at = plan.invalidUtf8 % body.length;
    body = Buffer.concat([body.subarray(0, at), NOT_UTF8, body.subarray(at)]);
  }
  if (plan.truncate !== undefined) body = body.subarray(0, plan.truncate % body.length);
  res.writeHead(200, { "content-type": type });
  const cuts = [...new Set(plan.cuts.map((c) => c % Math.max(1, body.length)))].sort((a, b) => a - b);
  let from = 0;
  for (const cut of [...cuts, body.length]) {
    if (cut <= from) continue;
    res.write(body.subarray(from, cut));
    from = cut;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  if (plan.truncate !== undefined && plan.abrupt) res.socket?.destroy();
  else res.end();
}

/** The answer with one of its events (an SSE block, an NDJSON line) sent twice. */
function duplicateEvent(body: Buffer, type: string, index: number): Buffer {
  const separator = type.includes("event-stream") ? "\n\n" : "\n";
  const events = body.toString("latin1").split(separator);
  const at = index % events.length;
  events.splice(at, 0, events[at] ?? "");
  return Buffer.from(events.join(separator), "latin1");
}
