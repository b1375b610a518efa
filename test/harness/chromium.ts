import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** Debian's Chromium, which the browser suites drive through playwright-core. */
export const CHROMIUM = "/usr/bin/chromium";

/**
 * Launches headless Chromium with the flags the browser suites use: no
 * sandbox (containers), no GPU, no QUIC, and none of the background traffic
 * (updates, sync) that would reach the network.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install it with 'apt-get install chromium'`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
