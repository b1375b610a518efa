import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfigFile } from "../server/config/load-config.ts";

/**
 * The container files, checked without a container engine (none runs
 * here): the Dockerfile's stages, user, healthcheck and every path it
 * copies; compose.yaml's services and every file it mounts; the compose
 * gateway config through the gateway's own schema; hadolint when installed.
 */

const ROOT = join(import.meta.dirname, "..");
const at = (path: string) => join(ROOT, path);

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function instructions(): { op: string; args: string }[] {
  return readFileSync(at("Dockerfile"), "utf8")
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const [op = "", ...rest] = line.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(" ") };
    });
}

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  volumes?: string[];
  depends_on?: unknown;
  healthcheck?: { test: string[] };
}

const compose = parse(readFileSync(at("compose.yaml"), "utf8")) as { services: Record<string, Service> };

/** Bind mounts (`./host:container[:ro]`) of every service. */
function bindMounts(): { service: string; host: string; container: string }[] {
  return Object.entries(compose.services).flatMap(([service, s]) =>
    (s.volumes ?? [])
      .filter((v) => v.startsWith("./"))
      .map((v) => {
        const [host = "", container = ""] = v.split(":");
        return { service, host, container };
      }),
  );
}

/** Files that the observability work ships (deploy/grafana, deploy/prometheus), present once merged. */
const OBSERVABILITY = ["deploy/grafana/llmgw-dashboard.json", "deploy/prometheus/alerts.yml"];

describe("Dockerfile", () => {
  const steps = instructions();

  it("builds in two stages on Node 24 slim", () => {
    const froms = steps.filter((s) => s.op === "FROM").map((s) => s.args);
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) expect(from).toMatch(/^node:24-slim\b/);
    expect(steps.some((s) => s.op === "COPY" && s.args.startsWith("--from=deps"))).toBe(true);
  });

  it("builds the dashboard in a stage of its own and keeps only its output", () => {
    const build = steps.find((s) => s.op === "RUN" && s.args.includes("web/build.ts"));
    expect(build).toBeDefined();
    expect(existsSync(at("web/build.ts"))).toBe(true);
    expect(steps.some((s) => s.op === "COPY" && /^--from=web \S*web\/dist /.test(s.args))).toBe(true);
  });

  it("runs as a non-root user, with a healthcheck on /health", () => {
    const users = steps.filter((s) => s.op === "USER").map((s) => s.args);
    expect(users.at(-1)).toBeDefined();
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    const health = steps.find((s) => s.op === "HEALTHCHECK");
    expect(health?.args).toContain("/health");
  });

  it("copies only paths that exist and that .dockerignore lets through", () => {
    const ignored = readFileSync(at(".dockerignore"), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"));
    const sources = steps
      .filter((s) => s.op === "COPY" && !s.args.startsWith("--from"))
      .flatMap((s) => s.args.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(existsSync(at(source)), source).toBe(true);
      expect(ignored, source).not.toContain(source.split("/")[0]);
    }
  });

  it("starts the CLI that exists, with commands it knows", () => {
    const entry = JSON.parse(steps.find((s) => s.op === "ENTRYPOINT")?.args ?? "[]") as string[];
    expect(entry[0]).toBe("node");
    expect(existsSync(at(entry[1] as string))).toBe(true);
    const cmd = JSON.parse(steps.find((s) => s.op === "CMD")?.args ?? "[]") as string[];
    expect(cmd[0]).toBe("serve");
    const usage = execFileSync(process.execPath, [at("server/cli.ts"), "--help"], { encoding: "utf8" });
    for (const flag of cmd.filter((a) => a.startsWith("--"))) expect(usage, flag).toContain(flag);
  });

  it("runs Node with the heap sizing npm start and the llmgw command use, and Node accepts it there", () => {
    const start = (JSON.parse(readFileSync(at("package.json"), "utf8")) as { scripts: { start: string } })
      .scripts.start;
    const flags = start.split(" ").filter((word) => word.startsWith("--max-"));
    expect(flags).toEqual(["--max-semi-space-size=32", "--max-old-space-size=512"]);
    const env = steps.find((s) => s.op === "ENV" && s.args.startsWith("NODE_OPTIONS="));
    expect(env?.args).toBe(`NODE_OPTIONS="${flags.join(" ")}"`);
    const shebang = readFileSync(at("server/cli.ts"), "utf8").split("\n")[0];
    expect(shebang).toBe(`#!/usr/bin/env -S node ${flags.join(" ")}`);
    // Not every V8 flag is allowed in NODE_OPTIONS; these are, and they take effect.
    const limitMB = execFileSync(
      process.execPath,
      [
        "-e",
        "process.stdout.write(String(require('node:v8').getHeapStatistics().heap_size_limit / 2 ** 20))",
      ],
      { encoding: "utf8", env: { ...process.env, NODE_OPTIONS: flags.join(" ") } },
    );
    expect(Number(limitMB)).toBeGreaterThan(512);
    expect(Number(limitMB)).toBeLessThan(1024);
  });

  it.skipIf(!hasHadolint())("passes hadolint", () => {
    execFileSync("hadolint", [at("Dockerfile")], { encoding: "utf8" });
  });
});

describe("compose.yaml", () => {
  it("has the gateway, Redis, PostgreSQL, Prometheus and Grafana", () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ["gateway", "grafana", "postgres", "prometheus", "redis"].sort(),
    );
    expect(compose.services.gateway?.build).toBe(".");
    expect(compose.services.redis?.healthcheck).toBeDefined();
    expect(compose.services.postgres?.healthcheck).toBeDefined();
  });

  it("mounts only files that exist (the observability dashboards aside, until merged)", () => {
    const mounts = bindMounts();
    expect(mounts.length).toBeGreaterThan(0);
    for (const { host } of mounts) {
      if (OBSERVABILITY.includes(host.slice(2))) continue;
      expect(existsSync(at(host)), host).toBe(true);
    }
  });

  it.skipIf(!OBSERVABILITY.every((p) => existsSync(at(p))))(
    "mounts the observability work's dashboard and alerts, which exist",
    () => {
      const hosts = bindMounts().map((m) => m.host.slice(2));
      for (const path of OBSERVABILITY) expect(hosts).toContain(path);
    },
  );

  it("gives the gateway a config the gateway accepts, on the compose network's Redis and PostgreSQL", () => {
    const gateway = compose.services.gateway as Service;
    const configPath = gateway.command?.[(gateway.command?.indexOf("--config") ?? -2) + 1];
    const mount = bindMounts().find((m) => m.service === "gateway" && m.container === configPath);
    expect(mount).toBeDefined();
    const config = loadConfigFile(at(mount?.host as string), {
      OPENAI_API_KEY: "sk-compose-check",
      LLMGW_KEY: "sk-compose-check-0001",
    });
    expect(config.redis?.url).toMatch(/^redis:\/\/redis:/);
    expect(config.postgres?.url).toMatch(/@postgres:5432\//);
    expect(config.server.port).toBe(8080);
  });

  it("points Prometheus at the gateway and at the alerts it mounts", () => {
    const prometheus = parse(readFileSync(at("deploy/compose/prometheus.yml"), "utf8")) as {
      rule_files: string[];
      scrape_configs: { static_configs: { targets: string[] }[] }[];
    };
    expect(prometheus.scrape_configs[0]?.static_configs[0]?.targets).toEqual(["gateway:8080"]);
    const mounted = bindMounts()
      .filter((m) => m.service === "prometheus")
      .map((m) => m.container);
    for (const rules of prometheus.rule_files) expect(mounted).toContain(rules);
  });
});

function hasHadolint(): boolean {
  try {
    execFileSync("hadolint", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
