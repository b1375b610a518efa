import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { Connection } from "./connection.ts";

describe("the connection watch", () => {
  it("goes to reconnecting on a network loss and back on any answer, telling listeners once each", () => {
    const connection = new Connection();
    const seen: string[] = [];
    connection.subscribe((state) => seen.push(state));
    connection.saw(new TypeError("Failed to fetch"));
    connection.saw(new ConnectError("gone", Code.Unavailable));
    expect(connection.state).toBe("reconnecting");
    // A refusal is still an answer: the gateway is there.
    connection.saw(new ConnectError("no", Code.PermissionDenied));
    expect(connection.state).toBe("online");
    expect(seen).toEqual(["reconnecting", "online"]);
  });

  it("signs out when the key stops being accepted", () => {
    const connection = new Connection();
    let refused = 0;
    connection.onRefused = () => refused++;
    connection.saw(new ConnectError("revoked", Code.Unauthenticated));
    connection.saw(undefined);
    expect(refused).toBe(1);
  });

  it("stops telling a listener that unsubscribed", () => {
    const connection = new Connection();
    const seen: string[] = [];
    const stop = connection.subscribe((state) => seen.push(state));
    stop();
    connection.saw(new TypeError("Failed to fetch"));
    expect(seen).toEqual([]);
  });
});
