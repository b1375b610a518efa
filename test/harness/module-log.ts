/**
 * Preloaded with `node --import <this file>`: appends the URL of every file module the process loads
 * to the file named by `LLMGW_MODULE_LOG`, one per line, as it loads. A test reads the list to prove
 * which modules a command imported (static and dynamic imports alike), without touching the command.
 * Appending at load time, not at exit, keeps the list whole however the child ends.
 */

import { appendFileSync } from "node:fs";
import { registerHooks } from "node:module";

const out = process.env.LLMGW_MODULE_LOG;
if (out) {
  registerHooks({
    load(url, context, nextLoad) {
      if (url.startsWith("file:")) appendFileSync(out, `${url}\n`);
      return nextLoad(url, context);
    },
  });
}
