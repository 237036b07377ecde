// The real programs our users' tools are: feedparser (Python), xmllint, Chromium, redis-server.
// Missing ones skip their tests loudly on a developer's machine and fail the run under REQUIRE_INTEGRATION=1.
import { spawnSync } from "node:child_process";

export const REQUIRE_INTEGRATION = process.env.REQUIRE_INTEGRATION === "1";
export const PYTHON = "/usr/bin/python3";
/** Debian's chromium (apt-get install chromium), driven by playwright-core in test/integration/browser.ts. */
export const CHROMIUM = "/usr/bin/chromium";

function works(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { stdio: "ignore", timeout: 20_000 });
  return result.status === 0;
}

export const components = {
  feedparser: () => works(PYTHON, ["-c", "import feedparser"]),
  xmllint: () => works("xmllint", ["--version"]),
  chromium: () => works(CHROMIUM, ["--version"]),
};

/** True when the component is there; otherwise warns loudly, or throws under REQUIRE_INTEGRATION=1. */
export function need(name: keyof typeof components, installHint: string): boolean {
  if (components[name]()) return true;
  const message = `${name} is not installed (${installHint}): its tests are SKIPPED`;
  if (REQUIRE_INTEGRATION) throw new Error(`REQUIRE_INTEGRATION=1 but ${message.replace(": its tests are SKIPPED", "")}`);
  console.warn(`\n!!! ${message} !!!\n`);
  return false;
}
