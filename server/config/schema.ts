import { z } from "zod";
import { MODEL_PATTERN } from "../policy/auth/key-scope.ts";
import { ollamaBaseUrl } from "../providers/ollama/ollama-base-url.ts";
import { providerDefaults } from "../providers/presets.ts";
import { auditSchema } from "./audit-schema.ts";
import { budgetsSchema } from "./budgets-schema.ts";
import { cacheSchema } from "./cache-schema.ts";
import { guardsSchema, redactPaths } from "./guards-schema.ts";
import { limitsSchema } from "./limits-schema.ts";
import { metricsSchema } from "./metrics-schema.ts";
import { overloadSchema } from "./overload-schema.ts";
import { checkPassthrough, passthroughSchema } from "./passthrough-schema.ts";
import { postgresSchema } from "./postgres-schema.ts";
import { redisSchema } from "./redis-schema.ts";
import { checkDeploymentProviders, routingSchema } from "./routing-schema.ts";
import { securityHeadersSchema } from "./security-headers-schema.ts";
import { telemetrySchema } from "./telemetry-schema.ts";
import { tlsSchema } from "./tls-schema.ts";
import { uiSchema } from "./ui-schema.ts";

/**
 * The configuration file's schema. Every field has a default that makes the
 * embedded single-process gateway work, so a config file only says what differs.
 */

const pricing = z
  .object({
    input: z.number().nonnegative().describe("USD per million prompt tokens"),
    output: z.number().nonnegative().describe("USD per million completion tokens"),
    cached_input: z.number().nonnegative().optional().describe("USD per million cached prompt tokens"),
    cache_write: z
      .number()
      .nonnegative()
      .optional()
      .describe("USD per million prompt tokens written to the prompt cache"),
  })
  .strict();

const modelEntry = z.union([
  z.string().min(1),
  z
    .object({
      id: z.string().min(1),
      pricing: pricing.optional(),
      // Facts that override what discovery and the built-in price table say.
      context_window: z.number().int().positive().optional(),
      input_modalities: z.array(z.string().min(1)).optional().describe('e.g. ["text", "image"]'),
      supports_tools: z.boolean().optional(),
      supports_json_mode: z.boolean().optional(),
      supports_embeddings: z.boolean().optional(),
    })
    .strict(),
]);

const provider = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]*$/, "use lower-case letters, digits, '-' and '_'")
      .describe("the provider's name, used in `provider:model`"),
    type: z
      .enum([
        "openai",
        "anthropic",
        "gemini",
        "tgi",
        "ollama",
        "vllm",
        "groq",
        "together",
        "openrouter",
        "lmstudio",
        "llamacpp",
      ])
      .default("openai"),
    base_url: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe("the upstream's API root, e.g. http://127.0.0.1:8000/v1; presets supply a default"),
    api_key: z.string().optional(),
    models: z.array(modelEntry).default([]),
    discover: z.boolean().default(true).describe("list the upstream's /models at start-up"),
    timeout_ms: z.number().int().positive().default(600_000),
    connect_timeout_ms: z.number().int().positive().default(5_000),
    connections: z.number().int().positive().default(128),
    max_pending: z
      .number()
      .int()
      .min(0)
      .default(1024)
      .describe("requests that may wait for one of the provider's connections; beyond that, shed with 429"),
    pending_timeout_ms: z
      .number()
      .int()
      .positive()
      .default(30_000)
      .describe("the longest a request waits for one of the provider's connections"),
    stream_usage: z
      .boolean()
      .optional()
      .describe("ask the upstream for usage with stream_options (default from the type's preset, else true)"),
    max_tokens_field: z
      .enum(["max_tokens", "max_completion_tokens"])
      .optional()
      .describe("the field that carries the completion limit (default from the type's preset)"),
    chat_template: z
      .enum(["chatml", "llama3", "mistral", "plain"])
      .optional()
      .describe("tgi only: the built-in template that turns the chat into a prompt (default chatml)"),
    headers: z.record(z.string(), z.string()).default({}),
    max_response_bytes: z
      .number()
      .int()
      .positive()
      .default(32 * 1024 * 1024)
      .describe("the most a whole upstream answer (unary completion, embeddings, model list) may be"),
    max_event_bytes: z
      .number()
      .int()
      .positive()
      .default(1024 * 1024)
      .describe("the longest single event of an upstream stream (an SSE event, an NDJSON line)"),
  })
  .strict()
  .transform((p, ctx) => {
    // Presets (server/providers/presets.ts) fill base_url, stream_usage and max_tokens_field.
    const defaults = providerDefaults(p.type, p.base_url);
    if (defaults.baseUrl === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["base_url"],
        message: `base_url is required: type "${p.type}" has no default`,
      });
      return z.NEVER;
    }
    return {
      ...p,
      // A type: ollama provider given Ollama's OpenAI-compatible /v1 root speaks to its native root.
      base_url: p.type === "ollama" ? ollamaBaseUrl(defaults.baseUrl) : defaults.baseUrl,
      stream_usage: p.stream_usage ?? defaults.streamUsage,
      max_tokens_field: p.max_tokens_field ?? defaults.maxTokensField,
    };
  });

export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().default("127.0.0.1"),
        port: z.number().int().min(0).max(65535).default(8080),
        body_limit_bytes: z
          .number()
          .int()
          .positive()
          .default(8 * 1024 * 1024),
        header_timeout_ms: z.number().int().positive().default(10_000),
        keep_alive_timeout_ms: z.number().int().positive().default(65_000),
        body_timeout_ms: z
          .number()
          .int()
          .positive()
          .default(30_000)
          .describe("how long a request may take to send its whole body"),
        max_concurrent_streams: z
          .number()
          .int()
          .positive()
          .max(2 ** 31 - 1)
          .default(100)
          .describe("streams one HTTP/2 connection may have open at once"),
        request_timeout_ms: z.number().int().positive().default(900_000),
        shutdown_grace_ms: z.number().int().nonnegative().default(10_000),
        cors_origins: z.array(z.string()).default(["*"]),
      })
      .strict()
      .prefault({}),
    tls: tlsSchema.optional().describe("serve HTTPS with ALPN h2 and http/1.1; absent is cleartext"),
    security_headers: securityHeadersSchema
      .prefault({})
      .describe("Helmet's headers: the API's on every answer, the document-only ones on /ui"),
    overload: overloadSchema.prefault({}).describe("shed load with a 503 before any work (docs/security.md)"),
    providers: z.array(provider).default([]),
    default_provider: z.string().optional(),
    aliases: z.record(z.string(), z.string()).default({}),
    routing: routingSchema.prefault({}),
    keys: z
      .array(
        z
          .object({
            name: z.string().min(1),
            key: z.string().min(8, "keys must be at least 8 characters"),
            admin: z
              .boolean()
              .default(false)
              .describe("may read every key's usage, not only its own, and change the routing config"),
            priority: z
              .number()
              .int()
              .min(-1000)
              .max(1000)
              .default(0)
              .describe("queue priority of this key's requests; higher is served first"),
            team: z
              .string()
              .min(1)
              .optional()
              .describe("the team the key belongs to; team limits and budgets cover all its keys"),
            owner: z.string().min(1).optional().describe("who the key was issued to, for key listings"),
            metadata: z
              .record(z.string(), z.string())
              .optional()
              .describe("free-form labels, shown in key listings"),
            expires_at: z.iso
              .datetime({ offset: true })
              .optional()
              .describe("ISO 8601 date-time from which the key is refused, e.g. 2027-01-01T00:00:00Z"),
            enabled: z.boolean().optional().describe("false refuses the key (default true)"),
            models: z
              .array(
                z
                  .string()
                  .min(1)
                  .regex(MODEL_PATTERN, "use an exact model name, or a prefix with one trailing '*'"),
              )
              .optional()
              .describe(
                "the model names the key may request (exact, or `prefix*`); absent allows every model",
              ),
            providers: z
              .array(z.string().min(1))
              .optional()
              .describe("the providers whose deployments may serve the key; absent allows every provider"),
          })
          .strict(),
      )
      .default([]),
    budgets: budgetsSchema.prefault({}),
    limits: limitsSchema.prefault({}),
    guards: guardsSchema
      .optional()
      .describe("input guards on secrets, prompt injection, PII and custom rules; absent is off"),
    redis: redisSchema
      .optional()
      .describe("shared limit and budget counters; absent keeps them in the process"),
    usage: z
      .object({
        path: z
          .string()
          .default("data/llmgw.db")
          .describe("SQLite file for the ledger; ':memory:' keeps nothing"),
        flush_interval_ms: z.number().int().positive().default(250),
      })
      .strict()
      .prefault({}),
    postgres: postgresSchema.optional(),
    cache: cacheSchema
      .optional()
      .describe("the exact and semantic response caches (docs/caching.md); absent is off"),
    audit: auditSchema.prefault({}).describe("a searchable record of every exchange (docs/audit.md)"),
    passthrough: passthroughSchema
      .optional()
      .describe("routes that forward callers' bytes unchanged to a provider of the same API"),
    metrics: metricsSchema.prefault({}).describe("what /metrics reports (docs/observability.md)"),
    ui: uiSchema.describe("the dashboard, served at /ui on the same port (docs/dashboard.md)"),
    telemetry: telemetrySchema.prefault({}).describe("OpenTelemetry traces (docs/observability.md)"),
    log: z
      .object({
        level: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
        pretty: z.boolean().default(false),
        requests: z.boolean().default(false).describe("log one line per request"),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    const names = new Set<string>();
    config.providers.forEach((p, i) => {
      if (names.has(p.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["providers", i, "name"],
          message: `duplicate provider "${p.name}"`,
        });
      }
      names.add(p.name);
    });
    if (config.default_provider !== undefined && !names.has(config.default_provider)) {
      ctx.addIssue({
        code: "custom",
        path: ["default_provider"],
        message: `no provider is named "${config.default_provider}"`,
      });
    }
    checkDeploymentProviders(config.routing, names, ctx, ["routing"]);
    if (config.passthrough !== undefined) checkPassthrough(config.passthrough, config.providers, ctx);
    // Pass-through forwards the caller's bytes unchanged, so nothing in them can be masked.
    if (config.passthrough !== undefined && config.guards !== undefined)
      for (const path of redactPaths(config.guards))
        ctx.addIssue({
          code: "custom",
          path: ["guards", ...path],
          message:
            "redact cannot apply while pass-through routes are configured (they forward the caller's bytes unchanged); use log or block",
        });
    const keys = new Set<string>();
    const keyNames = new Set<string>();
    config.keys.forEach((k, i) => {
      if (keys.has(k.key))
        ctx.addIssue({ code: "custom", path: ["keys", i, "key"], message: "duplicate key" });
      keys.add(k.key);
      // The name is what the ledger and usage queries know a key by: two keys sharing one would share usage.
      if (keyNames.has(k.name))
        ctx.addIssue({
          code: "custom",
          path: ["keys", i, "name"],
          message: `duplicate key name "${k.name}"`,
        });
      keyNames.add(k.name);
      k.providers?.forEach((p, j) => {
        if (!names.has(p))
          ctx.addIssue({
            code: "custom",
            path: ["keys", i, "providers", j],
            message: `no provider is named "${p}"`,
          });
      });
    });
  });

export type Config = z.infer<typeof configSchema>;
export type ProviderConfig = Config["providers"][number];
export type ModelPricing = z.infer<typeof pricing>;
