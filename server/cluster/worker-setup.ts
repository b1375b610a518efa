import { BrokerClient, workerChannel } from "./broker-client.ts";
import { openSharedQuota, type SharedQuota } from "./broker-quota-store.ts";

export { workerNotices } from "./cluster-notices.ts";

/** A cluster worker's limit and budget stores: the primary's broker, over this worker's IPC channel. */
export function openWorkerQuota(): Promise<SharedQuota> {
  return openSharedQuota(new BrokerClient(workerChannel()));
}

/** Tells the primary this worker's gateway listens at `url`. */
export function announceReady(url: string): void {
  process.send?.({ llmgw: "ready", url });
}
