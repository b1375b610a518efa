import { type ChildProcess, spawn } from "node:child_process";

/** A gateway running as its own `llmgw serve` process. */
export interface ServeProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<number | string>;
}

/** Starts `llmgw serve --config FILE [ARGS]` as its own process and resolves once it listens. */
export function serveProcess(configFile: string, args: readonly string[] = []): Promise<ServeProcess> {
  const child = spawn(process.execPath, ["server/cli.ts", "serve", "--config", configFile, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return new Promise((resolve, reject) => {
    let out = "";
    const read = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"url":"(http:[^"]+)".*"msg":"llmgw listening"/.exec(out);
      if (match?.[1]) resolve({ child, url: match[1], exited });
    };
    child.stdout?.on("data", read);
    child.stderr?.on("data", read);
    void exited.then((code) => reject(new Error(`llmgw serve exited ${code}: ${out}`)));
  });
}
