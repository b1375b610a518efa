/**
 * The typed API against REST, gateway CPU per request: each gateway is driven with the four targets of
 * bench/rpc-load.ts in turn, round by round (each round starting with a different run, so that none
 * always follows the same one), and its CPU (all threads, /proc schedstat) is read around each run.
 * `npm run bench` runs it as its RPC phase and checks the ratios; bench/rpc-cpu.ts runs it alone,
 * optionally against another checkout's gateway.
 */

import { cpuMicros } from "./proc-stats.ts";
import type { Verdict } from "./report.ts";
import { driveRpc, median, RPC_TARGETS, type RpcLoad, type RpcTargetKey } from "./rpc-load.ts";

/** A running gateway to measure. */
export interface RpcGateway {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
}

export interface RpcFigures {
  readonly client: RpcLoad["client"];
  readonly connections: number;
  readonly streams: number;
  readonly requests: number;
  readonly rounds: number;
  /** µs of gateway CPU per request, one value per round, keyed `gateway/target`. */
  readonly cpuUsPerReq: Record<string, number[]>;
}

export interface RpcPlan {
  readonly requests: number;
  readonly rounds: number;
  readonly load: RpcLoad;
  readonly log: (line: string) => void;
}

export async function measureRpc(gateways: readonly RpcGateway[], plan: RpcPlan): Promise<RpcFigures> {
  const runs = gateways.flatMap((gateway) => RPC_TARGETS.map((target) => ({ gateway, target })));
  const cpuUsPerReq: Record<string, number[]> = {};
  for (const { gateway, target } of runs) cpuUsPerReq[`${gateway.name}/${target.key}`] = [];
  plan.log(`RPC phase: warm-up, ${plan.requests} requests per target`);
  for (const { gateway, target } of runs) await driveRpc(gateway.url, target, plan.requests, plan.load);
  for (let round = 0; round < plan.rounds; round++) {
    const line: string[] = [];
    for (let i = 0; i < runs.length; i++) {
      const run = runs[(i + round) % runs.length];
      if (!run) continue;
      const before = cpuMicros(run.gateway.pid);
      const failed = await driveRpc(run.gateway.url, run.target, plan.requests, plan.load);
      const us = (cpuMicros(run.gateway.pid) - before) / plan.requests;
      const key = `${run.gateway.name}/${run.target.key}`;
      if (failed > 0) throw new Error(`${key}: ${failed} of ${plan.requests} requests failed`);
      cpuUsPerReq[key]?.push(us);
      line.push(`${key} ${us.toFixed(0)}`);
    }
    plan.log(`RPC round ${round + 1}/${plan.rounds}: ${line.join(", ")} µs/request`);
  }
  const { client, connections, streams } = plan.load;
  return { client, connections, streams, requests: plan.requests, rounds: plan.rounds, cpuUsPerReq };
}

/**
 * One ratio three ways: the median of each round's own ratio (both runs of a round are seconds apart,
 * so it is the least sensitive to a neighbour that comes and goes: the verdict uses it); of the
 * medians; and of the minimums (contention inflates CPU per request and never deflates it, so the
 * least value seen is the closest to the intrinsic cost).
 */
export interface RpcRatio {
  readonly perRound: number;
  readonly ofMedians: number;
  readonly ofMinimums: number;
}

export function rpcRatio(
  figures: RpcFigures,
  gateway: string,
  over: RpcTargetKey,
  under: RpcTargetKey,
): RpcRatio {
  const a = figures.cpuUsPerReq[`${gateway}/${over}`] ?? [];
  const b = figures.cpuUsPerReq[`${gateway}/${under}`] ?? [];
  return {
    perRound: median(a.map((value, i) => value / (b[i] ?? Number.NaN))),
    ofMedians: median(a) / median(b),
    ofMinimums: Math.min(...a) / Math.min(...b),
  };
}

/** The limits: gRPC unary within 1.3× REST's CPU per request, gRPC streaming within 1.5×. */
const LIMITS = [
  { name: "gRPC unary CPU/request against REST's", over: "grpc-unary", under: "rest-unary", limit: 1.3 },
  { name: "gRPC stream CPU/request against REST's", over: "grpc-stream", under: "rest-stream", limit: 1.5 },
] as const;

export function rpcVerdicts(figures: RpcFigures, gateway: string): Verdict[] {
  return LIMITS.map(({ name, over, under, limit }) => {
    const ratio = rpcRatio(figures, gateway, over, under).perRound;
    return { name, value: `${ratio.toFixed(2)}× REST`, limit: `≤ ${limit}× REST`, pass: ratio <= limit };
  });
}

const fixed = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "n/a");

/** The phase's table (median, minimum and range per gateway and target) and its ratios, as markdown. */
export function rpcSection(figures: RpcFigures): string[] {
  const rows = Object.entries(figures.cpuUsPerReq).map(([key, values]) => {
    const range = `${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)}`;
    return `| ${key} | ${median(values).toFixed(0)} | ${Math.min(...values).toFixed(0)} | ${range} |`;
  });
  const gateways = [...new Set(Object.keys(figures.cpuUsPerReq).map((key) => key.split("/")[0] ?? ""))];
  const ratios = gateways.flatMap((gateway) =>
    LIMITS.map(({ over, under }) => {
      const r = rpcRatio(figures, gateway, over, under);
      return (
        `- ${gateway}: ${over} ÷ ${under}: ${fixed(r.perRound)}× per round, ${fixed(r.ofMedians)}× of medians, ` +
        `${fixed(r.ofMinimums)}× of minimums`
      );
    }),
  );
  return [
    `Client ${figures.client}, ${figures.connections} h2c connections × ${figures.streams} streams, ` +
      `${figures.requests} requests per target × ${figures.rounds} rounds; gateway CPU µs per request:`,
    "",
    "| gateway/target | median | minimum | range |",
    "|---|---:|---:|---:|",
    ...rows,
    "",
    ...ratios,
  ];
}
