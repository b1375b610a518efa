/**
 * CPU per KB of the input guards' default rule set (secrets, injection and
 * every PII type, all at `log`, in their default places) on a realistic 8 KB
 * agent prompt: a system prompt, tool definitions, tool results (a file
 * listing, source code, JSON from an API) and the user's turn.
 *
 *   node bench/guard-cost.ts [iterations]
 *
 * Runs the real guard policy over the canonical request with a no-op `next`.
 */
import { create } from "@bufbuild/protobuf";
import pino from "pino";
import { ChatRequestSchema, CompleteResponseSchema, Role } from "../gen/llmgw/v1/chat_pb.js";
import { guardsSchema } from "../server/config/guards-schema.ts";
import { createCall } from "../server/core/call.ts";
import type { Answer } from "../server/core/chain.ts";
import { guardPolicy } from "../server/policy/guard/guard-policy.ts";
import { guardProfiles } from "../server/policy/guard/guard-profile.ts";

const SYSTEM = `You are a coding agent working in a TypeScript monorepo. You can read and write files, run
shell commands and search the code. Always explain what you are about to do before you do it, keep
changes small, run the tests after each change, and never commit secrets or credentials. When a command
fails, read its output carefully before trying again. Prefer the project's existing helpers to new code.
The repository uses pnpm workspaces, vitest for tests, biome for formatting and TypeScript in strict mode.
`;

const TOOLS = [
  ["read_file", "Read a file of the workspace and return its text, with line numbers, up to 2000 lines."],
  ["write_file", "Write text to a file of the workspace, creating folders as needed. Overwrites the file."],
  ["run_command", "Run a shell command in the workspace root and return its exit code, stdout and stderr."],
  ["search_code", "Search the workspace for a regular expression and return matching lines with paths."],
  ["list_dir", "List the entries of a folder of the workspace, with sizes and modification times."],
];

const LISTING = Array.from(
  { length: 30 },
  (_, i) =>
    `-rw-r--r--  1 dev  staff  ${1200 + i * 37}  Nov ${10 + (i % 18)} 14:${10 + i}  src/module-${i}/index.ts`,
).join("\n");

const CODE = `import { readFile } from "node:fs/promises";
import { join } from "node:path";

export interface Options {
  readonly root: string;
  readonly retries: number;
  readonly timeoutMs: number;
}

/** Loads the settings file and merges the defaults under it. */
export async function loadSettings(options: Options): Promise<Record<string, unknown>> {
  const text = await readFile(join(options.root, "settings.json"), "utf8");
  const parsed = JSON.parse(text) as Record<string, unknown>;
  for (let attempt = 0; attempt < options.retries; attempt++) {
    if (parsed.version === 2) break;
    await new Promise((resolve) => setTimeout(resolve, options.timeoutMs / options.retries));
  }
  return { theme: "dark", locale: "en-GB", ...parsed };
}
`.repeat(2);

const API = JSON.stringify(
  {
    items: Array.from({ length: 22 }, (_, i) => ({
      id: `ord_${100200 + i}`,
      status: i % 3 === 0 ? "shipped" : "pending",
      total: { amount: 1999 + i * 250, currency: "EUR" },
      created_at: `2026-11-${String(1 + i).padStart(2, "0")}T09:${10 + i}:00Z`,
      sku: `SKU-${4000 + i}`,
    })),
    next_cursor: "eyJwYWdlIjoyfQ",
  },
  null,
  1,
);

const USER =
  "The settings loader retries forever when the file is missing. Find why and fix it, then run the tests.";

const text = (value: string) => [{ part: { case: "text" as const, value } }];
const chat = () =>
  create(ChatRequestSchema, {
    model: "m",
    tools: TOOLS.map(([name, description]) => ({ name, description })),
    messages: [
      { role: Role.SYSTEM, content: text(SYSTEM) },
      { role: Role.USER, content: text(USER) },
      { role: Role.ASSISTANT, toolCalls: [{ id: "c1", name: "list_dir", arguments: '{"path":"src"}' }] },
      { role: Role.TOOL, toolCallId: "c1", content: text(LISTING) },
      {
        role: Role.ASSISTANT,
        toolCalls: [{ id: "c2", name: "read_file", arguments: '{"path":"src/settings.ts"}' }],
      },
      { role: Role.TOOL, toolCallId: "c2", content: text(CODE) },
      {
        role: Role.ASSISTANT,
        toolCalls: [{ id: "c3", name: "run_command", arguments: '{"cmd":"curl api/orders"}' }],
      },
      { role: Role.TOOL, toolCallId: "c3", content: text(API) },
    ],
  });

const request = chat();
const bytes =
  SYSTEM.length +
  USER.length +
  LISTING.length +
  CODE.length +
  API.length +
  TOOLS.reduce((n, [, d]) => n + (d?.length ?? 0), 0);

const profiles = guardProfiles(
  guardsSchema.parse({ secrets: { action: "log" }, injection: { action: "log" }, pii: { action: "log" } }),
);
if (profiles === undefined) throw new Error("the default rule set is on");
const answer = { kind: "complete", response: create(CompleteResponseSchema) } as Answer;
const run = guardPolicy(profiles, pino({ level: "silent" }))(async () => answer);
const signal = new AbortController().signal;
const call = () => {
  const c = createCall({
    requestId: "b",
    surface: "bench",
    signal,
    startedAt: 0,
    deadline: Number.POSITIVE_INFINITY,
    credential: undefined,
    op: "chat",
    stream: false,
    chat: request,
  });
  c.key = { name: "bench", admin: false, priority: 0, team: "" };
  return c;
};

const iterations = Number(process.argv[2] ?? 20_000);
const probe = call();
await run(probe);
for (let i = 0; i < 2000; i++) await run(call()); // warm-up
const before = process.cpuUsage();
const started = performance.now();
for (let i = 0; i < iterations; i++) await run(call());
const cpu = process.cpuUsage(before);
const wall = performance.now() - started;
const cpuUs = (cpu.user + cpu.system) / iterations;
const kb = bytes / 1024;
console.log(`prompt: ${bytes} bytes of text (${kb.toFixed(2)} KB), ${iterations} iterations`);
console.log(`matches on the prompt: ${JSON.stringify(probe.guard ?? [])}`);
console.log(
  `CPU per request: ${cpuUs.toFixed(1)} µs; wall per request: ${((wall * 1000) / iterations).toFixed(1)} µs`,
);
console.log(`CPU per KB: ${(cpuUs / kb).toFixed(1)} µs/KB (budget 100 µs/KB)`);
