/**
 * Per-request behaviour controls for the mock upstream.
 *
 * Tests usually talk to the mock through the gateway, which passes unknown body fields through, so every
 * control can arrive either as an `x-mock-<name>` header or inside a `mock` object in the JSON body (the
 * header wins). `-` and `_` are interchangeable in names (`x-mock-ttft-ms` = `ttft_ms`). Values are
 * validated strictly: a typo fails loudly with a 400 naming the control instead of silently running the
 * default scenario.
 *
 * The same controls can also be set on the server (`MockUpstream.setBehaviour`), as the defaults every
 * request starts from: several mocks behind one model then fail or succeed independently, which
 * per-request controls (sent alike to every deployment) cannot do. A request's own controls win, field
 * by field.
 */

import { OpenAIError } from "./mock-errors.ts";

/** Where streamed usage goes: OpenAI's separate chunk, the finish chunk (vLLM/llama.cpp style), or nowhere. */
export type UsageMode = "chunk" | "finish" | "none";

/** A forced tool call; `arguments` is the raw JSON string sent to the client. */
export interface ToolCallControl {
  name?: string;
  arguments?: string;
}

/** What the mock does with a request (`tokens`, `ttft_ms`, … on the wire; camelCase here). */
export interface MockControls {
  /** Completion tokens of the answer. */
  tokens?: number;
  /** Delay before the first byte (before an injected failure or reset too), ms. */
  ttftMs?: number;
  /** Delay between streamed content frames, ms. */
  itlMs?: number;
  /** Fail with this HTTP status (400 to 599) in the wire format's error shape. */
  status?: number;
  /** With `status`: a `Retry-After` header, seconds. */
  retryAfter?: number;
  /**
   * Cut the connection after this many content frames of a stream (headers and the first frame
   * sent, then no finish, no end of the body); a unary answer is cut before any byte.
   */
  dropAfter?: number;
  /** Reset the connection (TCP RST) before any response byte; wins over `status`. */
  reset?: boolean;
  /** False ends a stream without its final `[DONE]` / done line. */
  done?: boolean;
  usage?: UsageMode;
  toolCall?: boolean | ToolCallControl;
  /** With `status`: this raw body instead of the wire format's error JSON. */
  errorBody?: string;
  /** Bytes of JSON whitespace written inside the answer (a unary body, or one stream frame), generated as sent. */
  padBytes?: number;
  /**
   * Answer with this text instead of lorem ipsum (streamed a word per chunk). Set per provider through
   * the gateway's provider `headers` (`x-mock-reply`), it makes one mock deployment answer differently
   * from another, so a benchmark run against mocks scores models apart.
   */
  reply?: string;
}

/** The server-level controls every request starts from; `MockUpstream.setBehaviour` replaces `current`. */
export interface ServerBehaviour {
  current: Readonly<MockControls>;
}

/** Shared, frozen "no controls" value: the fast path allocates nothing. */
export const NO_CONTROLS: Readonly<MockControls> = Object.freeze({});

const HEADER_PREFIX = /^x-mock-/i;
const MAX_MS = 10 * 60_000;
const MAX_REPLY = 64 * 1024;

/** True if any `x-mock-*` header is present (checked on raw headers: no header object is built). */
export function hasControlHeaders(rawHeaders: readonly string[]): boolean {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (HEADER_PREFIX.test(rawHeaders[i] as string)) return true;
  }
  return false;
}

function invalid(name: string, expected: string, value: unknown): OpenAIError {
  return new OpenAIError(
    400,
    `Invalid mock control "${name}": expected ${expected}, got ${JSON.stringify(value) ?? String(value)}`,
    `mock.${name}`,
    "invalid_mock_control",
  );
}

function int(name: string, value: unknown, min: number, max: number): number {
  const n = typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n === "number" && Number.isInteger(n) && n >= min && n <= max) return n;
  throw invalid(name, `an integer between ${min} and ${max}`, value);
}

function bool(name: string, value: unknown): boolean {
  if (value === true || value === "true" || value === "1") return true;
  if (value === false || value === "false" || value === "0") return false;
  throw invalid(name, "true or false", value);
}

function toolCall(value: unknown): boolean | ToolCallControl {
  let v = value;
  if (typeof v === "string" && v.trim().startsWith("{")) {
    try {
      v = JSON.parse(v);
    } catch {
      throw invalid("tool_call", "true, false or a JSON object {name, arguments}", value);
    }
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) return bool("tool_call", v);
  const { name, arguments: args, ...rest } = v as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw invalid("tool_call", "only the keys name and arguments", value);
  if (name !== undefined && (typeof name !== "string" || name === "")) {
    throw invalid("tool_call", "a non-empty string name", value);
  }
  const out: ToolCallControl = {};
  if (name !== undefined) out.name = name;
  if (args !== undefined) out.arguments = typeof args === "string" ? args : JSON.stringify(args);
  return out;
}

function apply(c: MockControls, name: string, value: unknown): void {
  switch (name) {
    case "tokens":
      c.tokens = int(name, value, 0, 1_000_000);
      return;
    case "ttft_ms":
      c.ttftMs = int(name, value, 0, MAX_MS);
      return;
    case "itl_ms":
      c.itlMs = int(name, value, 0, MAX_MS);
      return;
    case "status":
      c.status = int(name, value, 400, 599);
      return;
    case "retry_after":
      c.retryAfter = int(name, value, 0, 86_400);
      return;
    case "drop_after":
      c.dropAfter = int(name, value, 0, 1_000_000);
      return;
    case "reset":
      c.reset = bool(name, value);
      return;
    case "done":
      c.done = bool(name, value);
      return;
    case "usage":
      if (value !== "chunk" && value !== "finish" && value !== "none") {
        throw invalid(name, '"chunk", "finish" or "none"', value);
      }
      c.usage = value;
      return;
    case "tool_call":
      c.toolCall = toolCall(value);
      return;
    case "pad_bytes":
      c.padBytes = int(name, value, 0, 4 * 1024 ** 3);
      return;
    case "error_body":
      if (typeof value !== "string") throw invalid(name, "a string", value);
      c.errorBody = value;
      return;
    case "reply":
      if (typeof value !== "string" || value.length > MAX_REPLY)
        throw invalid(name, `a string of at most ${MAX_REPLY} characters`, value);
      c.reply = value;
      return;
    default:
      throw new OpenAIError(400, `Unknown mock control "${name}"`, `mock.${name}`, "invalid_mock_control");
  }
}

/**
 * Merge controls over `base` (the server's behaviour): first the body's `mock` field, then the `x-mock-*`
 * headers, so headers win. Returns `base` itself when the request has no controls. Throws an
 * `OpenAIError` (400) for unknown controls or invalid values.
 */
export function parseControls(
  rawHeaders: readonly string[],
  bodyMock: unknown,
  base: Readonly<MockControls> = NO_CONTROLS,
): MockControls {
  if (bodyMock === undefined && !hasControlHeaders(rawHeaders)) return base;
  const c: MockControls = base === NO_CONTROLS ? {} : { ...base };
  if (bodyMock !== undefined && bodyMock !== null) {
    if (typeof bodyMock !== "object" || Array.isArray(bodyMock)) {
      throw new OpenAIError(400, 'The "mock" field must be a JSON object', "mock", "invalid_mock_control");
    }
    for (const [key, value] of Object.entries(bodyMock)) {
      if (value !== undefined && value !== null) apply(c, key.toLowerCase().replaceAll("-", "_"), value);
    }
  }
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const header = rawHeaders[i] as string;
    if (HEADER_PREFIX.test(header)) {
      apply(c, header.slice(7).toLowerCase().replaceAll("-", "_"), (rawHeaders[i + 1] as string).trim());
    }
  }
  return c;
}

/** Whether the controls make the request fail instead of being answered (`status`, `error_body`, `reset`). */
export function injectsFailure(c: Readonly<MockControls>): boolean {
  return c.status !== undefined || c.errorBody !== undefined || c.reset === true;
}

/**
 * Validates server-level controls, given as `MockControls` (camelCase) or as a body's `mock` object
 * (snake_case, from the command line), with the same rules as a request's. Returns them frozen, or
 * `NO_CONTROLS` when none is set. Throws a `RangeError` naming the bad control.
 */
export function parseBehaviour(input: Readonly<Record<string, unknown>> | undefined): Readonly<MockControls> {
  if (input === undefined) return NO_CONTROLS;
  const c: MockControls = {};
  try {
    for (const [key, value] of Object.entries(input)) {
      const name = key.replace(/[A-Z]/g, (upper) => `_${upper.toLowerCase()}`).replaceAll("-", "_");
      if (value !== undefined && value !== null) apply(c, name, value);
    }
  } catch (err) {
    if (err instanceof OpenAIError) throw new RangeError(`mock upstream: ${err.message}`);
    throw err;
  }
  return Object.keys(c).length === 0 ? NO_CONTROLS : Object.freeze(c);
}
