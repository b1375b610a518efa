import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { DescMethod, DescService } from "@bufbuild/protobuf";

/**
 * Every service and method the generated code in gen/ declares, read from the
 * descriptors themselves rather than from a list, so a test built on it sees
 * a new RPC as soon as `npm run generate` has run.
 */

const GEN_DIR = join(import.meta.dirname, "..", "..", "gen", "llmgw", "v1");

/** Each generated service, in file order. */
export async function generatedServices(): Promise<DescService[]> {
  const services: DescService[] = [];
  for (const file of readdirSync(GEN_DIR)
    .filter((f) => f.endsWith("_pb.js"))
    .sort()) {
    const module = (await import(join(GEN_DIR, file))) as Record<string, unknown>;
    for (const value of Object.values(module)) {
      if (isService(value)) services.push(value);
    }
  }
  return services;
}

/** `llmgw.v1.KeysService/CreateKey`: how a method is named in the tables and in its HTTP path. */
export function methodName(method: DescMethod): string {
  return `${method.parent.typeName}/${method.name}`;
}

function isService(value: unknown): value is DescService {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "service";
}
