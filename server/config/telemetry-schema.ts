import { z } from "zod";
import { webhookSchema } from "./budgets-schema.ts";

/** A webhook that gets every request's end, in signed batches. */
export const requestWebhookSchema = webhookSchema.extend({
  batch_size: z.number().int().min(1).max(1_000).default(100).describe("events per POST at most"),
  flush_interval_ms: z
    .number()
    .int()
    .positive()
    .default(1_000)
    .describe("a partial batch is sent after this long"),
  max_pending: z
    .number()
    .int()
    .positive()
    .default(10_000)
    .describe("events held while the receiver is slow; past it the oldest are dropped and logged"),
});

/**
 * The `telemetry` section: OpenTelemetry traces. Absent (or with no
 * `otlp.endpoint`), tracing is off and costs nothing: its policies are left
 * out of the chain and no span is ever made.
 *
 * ```yaml
 * telemetry:
 *   otlp: { endpoint: http://otel-collector:4318/v1/traces, service_name: llmgw }
 * ```
 */
export const otlpSchema = z
  .object({
    endpoint: z
      .url({ protocol: /^https?$/ })
      .describe("the OTLP/HTTP traces URL, e.g. http://collector:4318/v1/traces"),
    headers: z
      .record(z.string(), z.string())
      .default({})
      .describe("sent with every export (an collector's API key)"),
    service_name: z.string().min(1).default("llmgw").describe("the `service.name` resource attribute"),
    record_content: z
      .boolean()
      .default(false)
      .describe("record prompts and completions on spans, after the guards' redaction; off by default"),
    batch_delay_ms: z
      .number()
      .int()
      .positive()
      .default(1_000)
      .describe("how long finished spans wait to be exported together"),
    max_queue: z
      .number()
      .int()
      .positive()
      .default(4_096)
      .describe(
        "finished spans kept for export at most; past it new ones are dropped, never a request slowed",
      ),
  })
  .strict();

export const telemetrySchema = z
  .object({
    otlp: otlpSchema.optional().describe("export traces over OTLP/HTTP; absent: tracing is off"),
    webhooks: z
      .array(requestWebhookSchema)
      .default([])
      .describe("receivers of every request's end, batched, HMAC-signed and retried"),
  })
  .strict();

export type OtlpConfig = z.infer<typeof otlpSchema>;
export type TelemetryConfig = z.infer<typeof telemetrySchema>;
export type RequestWebhookConfig = z.infer<typeof requestWebhookSchema>;
