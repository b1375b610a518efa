import { type Context, ROOT_CONTEXT, type Span, type Tracer, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import type { OtlpConfig } from "../../config/telemetry-schema.ts";

/**
 * The gateway's tracer, made only when `telemetry.otlp.endpoint` is set:
 * finished spans are batched off the request path and exported as OTLP
 * JSON over HTTP. Nothing is registered globally, so an embedder's own
 * OpenTelemetry setup is left alone.
 */
export class Tracing {
  readonly tracer: Tracer;
  /** Whether prompts and completions go on spans (after the guards' redaction). */
  readonly recordContent: boolean;
  readonly #provider: BasicTracerProvider;
  readonly #propagator = new W3CTraceContextPropagator();

  constructor(config: OtlpConfig) {
    const exporter = new OTLPTraceExporter({ url: config.endpoint, headers: config.headers });
    this.#provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.service_name }),
      spanProcessors: [
        new BatchSpanProcessor(exporter, {
          scheduledDelayMillis: config.batch_delay_ms,
          maxQueueSize: config.max_queue,
          maxExportBatchSize: Math.min(512, config.max_queue),
        }),
      ],
    });
    this.tracer = this.#provider.getTracer("llmgw");
    this.recordContent = config.record_content;
  }

  /** The context a caller's W3C `traceparent` (and `tracestate`) names, or the root for none or a malformed one. */
  parentOf(traceparent: string | undefined, tracestate: string | undefined): Context {
    if (traceparent === undefined) return ROOT_CONTEXT;
    return this.#propagator.extract(ROOT_CONTEXT, { traceparent, tracestate }, HEADER_GETTER);
  }

  /** The `traceparent` header that makes `span` the parent of whatever the receiver does. */
  traceparentOf(span: Span): string {
    const carrier: Record<string, string> = {};
    this.#propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, HEADER_SETTER);
    return carrier.traceparent ?? "";
  }

  /** Exports what is still queued. */
  flush(): Promise<void> {
    return this.#provider.forceFlush();
  }

  /** Exports what is queued and stops. */
  shutdown(): Promise<void> {
    return this.#provider.shutdown();
  }
}

const HEADER_GETTER = {
  get: (carrier: Record<string, string | undefined>, key: string) => carrier[key],
  keys: (carrier: Record<string, string | undefined>) => Object.keys(carrier),
};

const HEADER_SETTER = {
  set: (carrier: Record<string, string>, key: string, value: string) => {
    carrier[key] = value;
  },
};
