/**
 * Provider-only mock controls next to the shared ones.
 *
 * Each wire format's mock (Anthropic, Gemini, Ollama) has a few controls of its own, sent the same two
 * ways as the shared ones of mock-controls.ts: in the body's `mock` object or as `x-mock-<name>` headers
 * (the header wins). This splits those off, applies them with the wire file's validator, and leaves the
 * rest to `parseControls`, so that unknown names still fail there and every wire file splits the same way.
 */

import { type MockControls, parseControls } from "./mock-controls.ts";
import { OpenAIError } from "./mock-errors.ts";

/** One wire format's own controls: their names, their defaults and how each is validated and set. */
export interface ExtraControls<T> {
  /** Normalized names (lowercase, `_` for `-`) of the controls only this wire format has. */
  readonly names: ReadonlySet<string>;
  /** A fresh value with every control at its default, for one request. */
  defaults(): T;
  /** Sets control `name` on `own`; throws an `OpenAIError` (400) for a bad value. */
  apply(own: T, name: string, value: unknown): void;
}

const HEADER_PREFIX = "x-mock-";

function normalize(name: string): string {
  return name.toLowerCase().replaceAll("-", "_");
}

/**
 * Splits `extras` off the body's `mock` object and the `x-mock-*` headers (body first, so headers win),
 * then parses what is left as the shared controls, over `base` (the server's behaviour). Throws an
 * `OpenAIError` (400) for a bad value.
 */
export function parseWithExtras<T>(
  rawHeaders: readonly string[],
  bodyMock: unknown,
  extras: ExtraControls<T>,
  base: Readonly<MockControls>,
): [MockControls, T] {
  const own = extras.defaults();
  let shared: unknown = bodyMock;
  if (typeof bodyMock === "object" && bodyMock !== null && !Array.isArray(bodyMock)) {
    const rest: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(bodyMock)) {
      const name = normalize(key);
      if (extras.names.has(name)) extras.apply(own, name, value);
      else rest[key] = value;
    }
    shared = Object.keys(rest).length > 0 ? rest : undefined;
  }
  const headers: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const header = rawHeaders[i] as string;
    const value = rawHeaders[i + 1] as string;
    const lower = header.toLowerCase();
    const name = normalize(lower.replace(/^x-mock-/, ""));
    if (lower.startsWith(HEADER_PREFIX) && extras.names.has(name)) extras.apply(own, name, value.trim());
    else headers.push(header, value);
  }
  return [parseControls(headers, shared, base), own];
}

/** A count control (token counts, seconds) of 0 to 1,000,000, as a number or a header's digits. */
export function countControl(name: string, value: unknown): number {
  const n = typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= 1_000_000) return n;
  throw new OpenAIError(400, `Invalid mock control "${name}": expected an integer between 0 and 1000000`);
}
