/**
 * The messages between a worker and the primary's quota broker, over the
 * cluster's IPC channel. A request names one store operation; its answer
 * carries the same id. Messages of other kinds on the channel (Node's own,
 * or the primary's control notices) are told apart by `llmgw`.
 */

/** The store operations a worker can ask of the broker. */
export type BrokerOp =
  | "admit"
  | "settle"
  | "take"
  | "adjust"
  | "reserve"
  | "settleBudgets"
  | "get"
  | "seed"
  | "claimSeed"
  | "seedDone";

export interface BrokerRequest {
  readonly llmgw: "quota";
  readonly id: number;
  readonly op: BrokerOp;
  readonly args: readonly unknown[];
}

export interface BrokerReply {
  readonly llmgw: "quota";
  readonly id: number;
  readonly value?: unknown;
  /** Set when the operation threw: its message. */
  readonly error?: string;
}

/** A control notice the primary sends every worker (e.g. reload the config). */
export interface ControlNotice {
  readonly llmgw: "control";
  readonly what: string;
}

/** A worker's word that its gateway is listening, at `url`. */
export interface ReadyNotice {
  readonly llmgw: "ready";
  readonly url: string;
}

export function isReadyNotice(message: unknown): message is ReadyNotice {
  const m = message as Partial<ReadyNotice> | null;
  return typeof m === "object" && m !== null && m.llmgw === "ready" && typeof m.url === "string";
}

/** A change notice from one worker, which the primary passes on to every other. */
export interface NoticeMessage {
  readonly llmgw: "notice";
  readonly channel: string;
  readonly message: string;
}

export function isNoticeMessage(message: unknown): message is NoticeMessage {
  const m = message as Partial<NoticeMessage> | null;
  return (
    typeof m === "object" &&
    m !== null &&
    m.llmgw === "notice" &&
    typeof m.channel === "string" &&
    typeof m.message === "string"
  );
}

export function isBrokerRequest(message: unknown): message is BrokerRequest {
  const m = message as Partial<BrokerRequest> | null;
  return typeof m === "object" && m !== null && m.llmgw === "quota" && typeof m.op === "string";
}

export function isBrokerReply(message: unknown): message is BrokerReply {
  const m = message as Partial<BrokerReply> | null;
  return typeof m === "object" && m !== null && m.llmgw === "quota" && typeof m.id === "number";
}

export function isControlNotice(message: unknown): message is ControlNotice {
  const m = message as Partial<ControlNotice> | null;
  return typeof m === "object" && m !== null && m.llmgw === "control" && typeof m.what === "string";
}
