/*
 * Follows Ollama's API reference (docs/api.md, "Valid Parameters and
 * Values") and its Go `Options`/`Runner` types: sampling and runner settings
 * travel in the request's `options` object, while `keep_alive`, `think`,
 * `format` and the like are top-level fields. Names Ollama dropped in later
 * versions (tfs_z, mirostat*, penalize_newline, …) are kept: Ollama logs and
 * ignores an option it does not know, so forwarding them is harmless.
 */

/** Every option name Ollama reads from `options`. */
export const OLLAMA_OPTION_NAMES: ReadonlySet<string> = new Set([
  // Predict options.
  "num_keep",
  "seed",
  "num_predict",
  "top_k",
  "top_p",
  "min_p",
  "typical_p",
  "tfs_z",
  "repeat_last_n",
  "temperature",
  "repeat_penalty",
  "presence_penalty",
  "frequency_penalty",
  "mirostat",
  "mirostat_tau",
  "mirostat_eta",
  "penalize_newline",
  "stop",
  // Runner options, fixed when the model loads.
  "numa",
  "num_ctx",
  "num_batch",
  "num_gpu",
  "main_gpu",
  "low_vram",
  "f16_kv",
  "logits_all",
  "vocab_only",
  "use_mmap",
  "use_mlock",
  "num_thread",
]);

/** The request's `extra`, split the way Ollama's wire wants it. */
export interface SplitExtra {
  /** Top-level fields (`keep_alive`, `think`, vendor fields). */
  readonly topLevel: Record<string, unknown>;
  /** Fields for `options`. */
  readonly options: Record<string, unknown>;
}

/**
 * Splits pass-through fields so a caller can send Ollama's parameters as flat
 * extra fields: a known option name (`num_ctx`, `top_k`, `repeat_penalty`,
 * `min_p`, `mirostat`, …) goes into `options`, and every other key goes
 * top-level. An explicit `options` object is merged in too, and loses to a
 * flat field of the same name.
 */
export function splitExtra(extra: Readonly<Record<string, unknown>> | undefined): SplitExtra {
  const topLevel: Record<string, unknown> = {};
  const options: Record<string, unknown> = {};
  if (extra === undefined) return { topLevel, options };
  const nested = extra.options;
  const merge = nested !== null && typeof nested === "object" && !Array.isArray(nested);
  if (merge) Object.assign(options, nested);
  for (const [key, value] of Object.entries(extra)) {
    if (OLLAMA_OPTION_NAMES.has(key)) options[key] = value;
    else if (!(merge && key === "options")) topLevel[key] = value;
  }
  return { topLevel, options };
}
