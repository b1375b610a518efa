import { isNoticeMessage, type NoticeMessage } from "./broker-protocol.ts";

/** A notice channel as app.ts uses one: the same shape as Redis's ChangeNotices. */
export interface Notices {
  announce(message: string): Promise<void>;
  close(): Promise<void>;
}

/** Opens a named channel whose `onChange` hears the other workers' notices. */
export type OpenNotices = (channel: string, onChange: (message: string) => void) => Notices;

/**
 * Change notices between the workers of one primary, without Redis: a
 * worker's notice (a stored key changed, the routing changed) goes to the
 * primary, which passes it to every other worker. The workers share the
 * SQLite files, so each reloads from there as replicas reload from
 * PostgreSQL. The sender does not hear its own notice.
 */
export function workerNotices(): OpenNotices {
  const listeners = new Map<string, (message: string) => void>();
  process.on("message", (message: unknown) => {
    if (isNoticeMessage(message)) listeners.get(message.channel)?.(message.message);
  });
  return (channel, onChange) => {
    listeners.set(channel, onChange);
    return {
      announce: async (message) => {
        const notice: NoticeMessage = { llmgw: "notice", channel, message };
        process.send?.(notice);
      },
      close: async () => {
        listeners.delete(channel);
      },
    };
  };
}
