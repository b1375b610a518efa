import { type LookupAddress, type LookupOptions, lookup } from "node:dns";
import { BlockList, isIP } from "node:net";

/**
 * Addresses a pass-through upstream may not have unless its route sets
 * `allow_private`: loopback, RFC 1918, carrier-grade NAT, link-local (cloud
 * metadata services live there), unspecified, and IPv6 unique-local. Without
 * this a gateway key would be a key to the gateway's own network.
 */
const PRIVATE = new BlockList();
PRIVATE.addSubnet("0.0.0.0", 8, "ipv4");
PRIVATE.addSubnet("10.0.0.0", 8, "ipv4");
PRIVATE.addSubnet("100.64.0.0", 10, "ipv4");
PRIVATE.addSubnet("127.0.0.0", 8, "ipv4");
PRIVATE.addSubnet("169.254.0.0", 16, "ipv4");
PRIVATE.addSubnet("172.16.0.0", 12, "ipv4");
PRIVATE.addSubnet("192.168.0.0", 16, "ipv4");
PRIVATE.addAddress("::", "ipv6");
PRIVATE.addAddress("::1", "ipv6");
PRIVATE.addSubnet("fc00::", 7, "ipv6");
PRIVATE.addSubnet("fe80::", 10, "ipv6");

const MAPPED_V4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/** Whether an IP address literal is private (an IPv4-mapped IPv6 address by its IPv4 part). False for a host name. */
export function isPrivateAddress(address: string): boolean {
  const bare = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  const mapped = MAPPED_V4.exec(bare);
  if (mapped !== null) return PRIVATE.check(mapped[1] as string, "ipv4");
  const family = isIP(bare);
  if (family === 4) return PRIVATE.check(bare, "ipv4");
  if (family === 6) return PRIVATE.check(bare, "ipv6");
  return false;
}

/** The error code a refused address fails the connection with. */
export const PRIVATE_UPSTREAM = "LLMGW_PRIVATE_UPSTREAM";

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * `dns.lookup` for the connections of pass-through routes without
 * `allow_private`: a host name that resolves to a private address fails the
 * connection. It runs at connect time, so a name that changes its answer
 * later (DNS rebinding) is caught too. IP literals never reach a lookup;
 * config refuses private ones at start-up.
 */
export function publicOnlyLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error !== null) {
      callback(error, []);
      return;
    }
    const refused = addresses.find((a) => isPrivateAddress(a.address));
    if (refused !== undefined) {
      const failure: NodeJS.ErrnoException = new Error(
        `${hostname} resolves to the private address ${refused.address}`,
      );
      failure.code = PRIVATE_UPSTREAM;
      callback(failure, []);
      return;
    }
    if (options.all === true) callback(null, addresses);
    else {
      const first = addresses[0] as LookupAddress;
      callback(null, first.address, first.family);
    }
  });
}
