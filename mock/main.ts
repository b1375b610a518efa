#!/usr/bin/env node
/**
 * The mock upstream's own entry: `node mock/main.ts [flags]`, and what `llmgw mock` runs. It imports
 * only the mock, so running the mock never loads the gateway (the benchmark measures the mock alone
 * as its baseline).
 */

import { parseArgs } from "node:util";
import { parseBehaviour } from "./mock-controls.ts";
import { type MockBehaviour, type MockUpstream, startMockUpstream } from "./mock-server.ts";

/** The flags `runMockCli` takes, already parsed. */
export interface MockCliArgs {
  host?: string;
  port?: number;
  tokens?: number;
  ttftMs?: number;
  itlMs?: number;
  /** Controls every request starts from, like a body's `mock` object (`--behaviour '{"status":503}'`). */
  behaviour?: MockBehaviour;
}

/** Usage of `llmgw mock` (server/cli.ts repeats it, so that `llmgw --help` loads no mock module). */
export const MOCK_USAGE =
  "llmgw mock  [--host H] [--port P] [--tokens N] [--ttft-ms N] [--itl-ms N] [--behaviour JSON]";

/** A flag the mock cannot use; the entry prints its message and the usage, not a stack. */
class MockFlagError extends Error {}

function integer(value: string | undefined, flag: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < 0 || n > max) {
    throw new MockFlagError(`--${flag} must be an integer from 0 to ${max}, got "${value}"`);
  }
  return n;
}

/**
 * Parses the mock's flags (the words after `mock`); an unknown flag or a bad number is refused with a
 * message naming it. Returns undefined for `--help`.
 */
export function parseMockArgs(argv: readonly string[]): MockCliArgs | undefined {
  let values: { [flag: string]: string | boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        host: { type: "string" },
        port: { type: "string" },
        tokens: { type: "string" },
        "ttft-ms": { type: "string" },
        "itl-ms": { type: "string" },
        behaviour: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    throw new MockFlagError((error as Error).message);
  }
  if (values.help === true) return undefined;
  const text = (flag: string) => {
    const value = values[flag];
    return typeof value === "string" ? value : undefined;
  };
  const args: MockCliArgs = {};
  const host = text("host");
  if (host !== undefined) args.host = host;
  const port = integer(text("port"), "port", 65_535);
  if (port !== undefined) args.port = port;
  const tokens = integer(text("tokens"), "tokens");
  if (tokens !== undefined) args.tokens = tokens;
  const ttftMs = integer(text("ttft-ms"), "ttft-ms");
  if (ttftMs !== undefined) args.ttftMs = ttftMs;
  const itlMs = integer(text("itl-ms"), "itl-ms");
  if (itlMs !== undefined) args.itlMs = itlMs;
  const behaviour = text("behaviour");
  if (behaviour !== undefined) args.behaviour = behaviourFlag(behaviour);
  return args;
}

/** `--behaviour`: a JSON object of controls, named as in a body's `mock` object, validated as they are. */
function behaviourFlag(value: string): MockBehaviour {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new MockFlagError(`--behaviour must be a JSON object, got "${value}"`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new MockFlagError(`--behaviour must be a JSON object, got "${value}"`);
  }
  try {
    return parseBehaviour(parsed as Record<string, unknown>);
  } catch (error) {
    throw new MockFlagError(`--behaviour: ${(error as Error).message}`);
  }
}

/** Starts the mock without recording, logs one JSON line with its URL, and closes on SIGINT/SIGTERM. */
export async function runMockCli(args: MockCliArgs): Promise<MockUpstream> {
  const mock = await startMockUpstream({ ...args, record: false });
  process.stdout.write(
    `${JSON.stringify({
      msg: "mock upstream listening",
      url: mock.url,
      tokens: args.tokens ?? 16,
      ttftMs: args.ttftMs ?? 0,
      itlMs: args.itlMs ?? 0,
      behaviour: args.behaviour,
    })}\n`,
  );
  const stop = () => {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    void mock.close();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  return mock;
}

/** The command line: parse `argv`, then start (or print the usage); a bad flag prints why and exits 1. */
export async function mockMain(argv: readonly string[]): Promise<void> {
  try {
    const args = parseMockArgs(argv);
    if (args === undefined) process.stdout.write(`Usage:\n  ${MOCK_USAGE}\n`);
    else await runMockCli(args);
  } catch (error) {
    const why =
      error instanceof MockFlagError ? `${error.message}\n\nUsage:\n  ${MOCK_USAGE}` : (error as Error).stack;
    process.stderr.write(`llmgw mock: ${why}\n`);
    process.exit(1);
  }
}

if (import.meta.main) await mockMain(process.argv.slice(2));
