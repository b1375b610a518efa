import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One span as the collector decoded it from OTLP JSON. */
export interface CollectedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly attributes: Record<string, unknown>;
  readonly events: ReadonlyArray<{ name: string; timeNs: bigint; attributes: Record<string, unknown> }>;
  readonly status: { code?: number; message?: string };
  readonly service: string;
}

/** A tiny OTLP/HTTP traces receiver: it decodes the JSON the exporter posts and keeps every span. */
export interface OtlpCollector {
  /** The traces endpoint, for `telemetry.otlp.endpoint`. */
  readonly url: string;
  readonly spans: CollectedSpan[];
  /** Waits until `count` spans of a trace satisfy `match`, failing after `timeoutMs`. */
  waitFor(
    match: (span: CollectedSpan) => boolean,
    count: number,
    timeoutMs?: number,
  ): Promise<CollectedSpan[]>;
  close(): Promise<void>;
}

export async function startOtlpCollector(): Promise<OtlpCollector> {
  const spans: CollectedSpan[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      if (req.url !== "/v1/traces" || !String(req.headers["content-type"]).includes("json")) {
        res.writeHead(415).end();
        return;
      }
      spans.push(...decode(JSON.parse(Buffer.concat(chunks).toString("utf8"))));
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    spans,
    async waitFor(match, count, timeoutMs = 5_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const found = spans.filter(match);
        if (found.length >= count) return found;
        if (Date.now() > until) throw new Error(`only ${found.length} of ${count} spans arrived`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// biome-ignore lint/suspicious/noExplicitAny: walks the OTLP JSON document
type Json = any;

function decode(body: Json): CollectedSpan[] {
  const out: CollectedSpan[] = [];
  for (const resourceSpans of body.resourceSpans ?? []) {
    const service = String(attributes(resourceSpans.resource?.attributes)["service.name"] ?? "");
    for (const scope of resourceSpans.scopeSpans ?? [])
      for (const span of scope.spans ?? [])
        out.push({
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId ?? "",
          name: span.name,
          kind: span.kind,
          startNs: BigInt(span.startTimeUnixNano),
          endNs: BigInt(span.endTimeUnixNano),
          attributes: attributes(span.attributes),
          events: (span.events ?? []).map((e: Json) => ({
            name: e.name,
            timeNs: BigInt(e.timeUnixNano),
            attributes: attributes(e.attributes),
          })),
          status: span.status ?? {},
          service,
        });
  }
  return out;
}

function attributes(list: Json[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of list ?? []) out[key] = anyValue(value);
  return out;
}

function anyValue(value: Json): unknown {
  if (value === undefined || value === null) return undefined;
  if ("stringValue" in value) return value.stringValue;
  if ("boolValue" in value) return value.boolValue;
  if ("intValue" in value) return Number(value.intValue);
  if ("doubleValue" in value) return value.doubleValue;
  if ("arrayValue" in value) return (value.arrayValue.values ?? []).map(anyValue);
  return undefined;
}
