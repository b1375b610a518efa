/**
 * Reads what the kernel knows about a process: CPU time (the run time of each of its threads,
 * /proc/PID/task/TID/schedstat, in nanoseconds; utime+stime from /proc/PID/stat where that is missing),
 * resident memory (/proc/PID/status), and a description of the machine for the results file.
 * Linux only; the benchmark refuses to run elsewhere.
 */

import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { cpus } from "node:os";

let ticksPerSecond: number | undefined;

/** USER_HZ: the unit of utime/stime in /proc/PID/stat (almost always 100). */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/**
 * CPU time consumed by `pid`'s threads so far, in microseconds: the sum of each live thread's run time
 * from schedstat, which the kernel keeps in nanoseconds. utime+stime in /proc/PID/stat come in clock
 * ticks (10 ms): over a slice of 100 streams that was a step of 100 µs a stream, as large as the
 * difference being measured. A thread that exits between two readings takes its time with it; the
 * processes measured here keep theirs (main, libuv's pool, V8's helpers, the ledger's writer).
 */
export function cpuMicros(pid: number): number {
  let threads: string[];
  try {
    threads = readdirSync(`/proc/${pid}/task`);
  } catch {
    return tickCpuMicros(pid);
  }
  let ns = 0;
  for (const tid of threads) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8");
      ns += Number(stat.slice(0, stat.indexOf(" ")));
    } catch {
      // The thread exited after the listing, or schedstat is not compiled in: counted as nothing.
    }
  }
  return ns > 0 ? ns / 1000 : tickCpuMicros(pid);
}

/** CPU time (user + system, all threads, exited ones included) consumed by `pid` so far, µs, in clock ticks. */
export function tickCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) is in parentheses and may contain spaces: split after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state), so utime (field 14) is fields[11] and stime (15) is fields[12].
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1e6) / clockTicksPerSecond();
}

/** CPU time the whole machine spent busy (every core, every process, steal included) so far, µs. */
export function machineBusyMicros(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
  // cpu user nice system idle iowait irq softirq steal …: everything but idle and iowait is busy.
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  const ticks = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
  return (ticks * 1e6) / clockTicksPerSecond();
}

/** A field of /proc/PID/status in kB (VmRSS, VmHWM, …), converted to MB. */
export function statusMB(pid: number, field: "VmRSS" | "VmHWM" | "RssAnon" | "RssFile"): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  if (!match?.[1]) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  node: string;
  kernel: string;
  loadAverage: string;
}

export function machineInfo(): MachineInfo {
  let cpuModel = cpus()[0]?.model ?? "unknown";
  let kernel = "unknown";
  let loadAverage = "unknown";
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (match?.[1]) cpuModel = match[1].trim();
    kernel = readFileSync("/proc/sys/kernel/osrelease", "utf8").trim();
    loadAverage = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  } catch {
    // keep the defaults
  }
  return { nproc: cpus().length, cpuModel, node: process.version, kernel, loadAverage };
}
