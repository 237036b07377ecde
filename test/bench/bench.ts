// `npm run bench [-- --quick]`: one table of what the service costs, measured in one run, interleaved, as
// ratios to what matters beside it: the old Python bot (feedparser + the seed's score) and the floors for
// the in-process pipeline, a static file of the same bytes for the warm HTTP routes, then the server's
// peak RSS and its cold start against the fixture arXiv. Builds the app first when the build is missing or
// older than the sources. Medians; this machine is shared and noisy, so compare ratios, not milliseconds.
import { cpus } from "node:os";
import setupBuild from "../integration/global-setup";
import { cleanups, httpSections } from "./http";
import { inProcessSection } from "./in-process";
import { Table } from "./measure";

const quick = process.argv.includes("--quick");
const table = new Table();
const started = performance.now();

function cleanup(): void {
  for (const fn of [...cleanups]) {
    try {
      fn();
    } catch {
      // best effort
    }
  }
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    cleanup();
    process.exit(130);
  });
}

if (!globalThis.gc) console.warn("Run with node --expose-gc (npm run bench does) for a collection between samples.");

try {
  setupBuild();
} catch (err) {
  console.error(err);
  process.exit(1);
}

console.log(`Benchmarking (${quick ? "quick" : "full"} run): in process…`);
try {
  await inProcessSection(table, quick);
} catch (err) {
  table.failed("in-process section", err);
  console.error(err);
}
console.log(`…${((performance.now() - started) / 1000).toFixed(0)} s; then next start: cold start, warm HTTP, memory…`);
try {
  await httpSections(table, quick);
} catch (err) {
  table.failed("HTTP section", err);
  console.error(err);
} finally {
  cleanup();
}

const verdicts = table.verdicts;
console.log(`\n${table.toMarkdown()}\n`);
console.log(
  `Targets: ${verdicts.filter((v) => v === "pass").length} pass, ${verdicts.filter((v) => v === "FAIL").length} fail. ` +
    `Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? "?"}), ${quick ? "quick" : "full"} run in ${((performance.now() - started) / 1000).toFixed(0)} s.`,
);
console.log(
  "In process: wall-clock medians (CPU where it says so) of interleaved rounds, a collection between samples. " +
    "HTTP: requests answered with the expected status per second, client and server on this machine; " +
    "server CPU from /proc. A figure that could not be measured says why instead of failing the run.",
);
