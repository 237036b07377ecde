// `npm run bench`: parse, rank and render of arXiv's largest feed (2,000 items), then a warm feed on
// `next start` beside a static file of the same bytes served by the same server. Medians of repeated
// runs; compare ratios measured in the same run, since this machine is shared and noisy.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import autocannon from "autocannon";
import { parseArxivRss } from "../../lib/arxiv/parse";
import { getConfig } from "../../lib/config";
import { buildFeed } from "../../lib/feed";
import { parseFeedParams } from "../../lib/params";
import { rankDays } from "../../lib/rank";
import { toFeedDocument } from "../../lib/render/document";
import { renderAtom, renderJson, renderRss } from "../../lib/render/feeds";
import type { Paper } from "../../lib/types";
import { FIXTURES_DIR, startArxivFixtureServer } from "../servers/arxiv-fixture-server";
import { ROOT, startApp } from "../integration/app-process";

const LARGE = "rss-large-cs.AI+cs.CL+cs.CV+cs.LG.xml";
const quick = process.argv.includes("--quick");
const rows: [string, string, string][] = [];

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function time(runs: number, fn: () => unknown): number {
  fn(); // warm the JIT
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

function heapMb(): number {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

const xml = readFileSync(path.join(FIXTURES_DIR, LARGE), "utf8");
const config = getConfig();
const runs = quick ? 3 : 15;

// Parse
const parseMs = time(runs, () => parseArxivRss(xml));
const before = heapMb();
const parsed = parseArxivRss(xml);
if (parsed.kind !== "feed") throw new Error(`fixture did not parse: ${parsed.kind}`);
const papers: Paper[] = parsed.papers;
const heldMb = heapMb() - before;
rows.push(["parse 2,000 items (4.2 MB XML)", `${parseMs.toFixed(1)} ms`, `${papers.length} papers, ${heldMb.toFixed(1)} MB held`]);

// Rank, with the shipped keywords
const days = [{ date: papers[0]!.announced, papers }];
const everyType = { ...config.profile, announceTypes: ["new", "cross", "replace", "replace-cross"] as Paper["announceType"][] };
const rankMs = time(runs * 4, () => rankDays(days, { ...everyType, limit: 2000 }));
const rankedCount = rankDays(days, { ...everyType, limit: 2000 })[0]!.papers.length;
rows.push([`rank 2,000 papers × ${config.profile.keywords.length} keywords`, `${rankMs.toFixed(1)} ms`, `${rankedCount} matched`]);

// Render all 2,000 (no keyword filter, so every paper is an item)
const params = parseFeedParams(["cs.AI+cs.CL+cs.CV+cs.LG"], new URLSearchParams("keywords=&exclude=&types=all&limit=500"), config);
const allParams = { ...params, profile: { ...params.profile, limit: 2000 } };
const snapshot = { category: "cs.AI", version: "bench", days, changedAt: Date.now(), nextCheckAt: Date.now() + 3_600_000 };
const feed = buildFeed(allParams, [snapshot], { daysBack: 5, now: Date.now() });
const links = { rss: "http://b/rss", atom: "http://b/atom", json: "http://b/json", html: "http://b/" };
const doc = toFeedDocument(feed, links);
for (const [name, render] of [["RSS", renderRss], ["Atom", renderAtom], ["JSON Feed", renderJson]] as const) {
  const ms = time(quick ? 3 : 9, () => render(doc));
  rows.push([`render ${doc.items.length} items as ${name}`, `${ms.toFixed(1)} ms`, `${(render(doc).length / 1e6).toFixed(1)} MB`]);
}

// HTTP: a warm feed on `next start` against a static file of the same bytes, same server, same run
async function load(url: string, seconds = quick ? 3 : 5): Promise<{ rps: number; p50: number; p99: number }> {
  const result = await autocannon({ url, connections: 8, duration: seconds, pipelining: 1 });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

if (!existsSync(path.join(ROOT, ".next/BUILD_ID"))) {
  console.log("No production build: running next build first");
  const build = spawnSync(process.execPath, [path.join(ROOT, "node_modules/next/dist/bin/next"), "build"], {
    cwd: ROOT,
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (build.status !== 0) throw new Error("next build failed");
}

const arxiv = await startArxivFixtureServer({ fileForAll: LARGE });
const env = { ARXIV_RSS_URL: arxiv.rssUrl, ARXIV_MIN_INTERVAL_MS: "0" };
const feedPath = "/rss/cs.AI";
const staticName = `bench-${process.pid}.xml`;
const staticFile = path.join(ROOT, "public", staticName);
try {
  // First run: learn the feed's bytes. `next start` lists public/ when it starts, so restart after writing.
  let app = await startApp(env);
  const body = await (await fetch(`${app.url}${feedPath}`)).text();
  await app.stop();
  writeFileSync(staticFile, body);
  app = await startApp(env);
  try {
    await fetch(`${app.url}${feedPath}`); // fetched, parsed, ranked, rendered, cached
    // Warm both paths' JIT, then alternate the measurements so that noise hits both alike.
    await load(`${app.url}${feedPath}`, 2);
    await load(`${app.url}/${staticName}`, 2);
    const feedRuns: Awaited<ReturnType<typeof load>>[] = [];
    const staticRuns: Awaited<ReturnType<typeof load>>[] = [];
    for (let i = 0; i < (quick ? 1 : 3); i++) {
      feedRuns.push(await load(`${app.url}${feedPath}`));
      staticRuns.push(await load(`${app.url}/${staticName}`));
    }
    const pick = (runs: typeof feedRuns) => runs.sort((a, b) => a.rps - b.rps)[Math.floor(runs.length / 2)]!;
    if (process.env.BENCH_VERBOSE) console.log({ feed: feedRuns.map((r) => r.rps), static: staticRuns.map((r) => r.rps) });
    const dynamic = pick(feedRuns);
    const stat = pick(staticRuns);
    const size = `${(body.length / 1024).toFixed(0)} KB`;
    rows.push([`warm GET ${feedPath} (next start)`, `${dynamic.rps.toFixed(0)} req/s`, `p50 ${dynamic.p50} ms, p99 ${dynamic.p99} ms, ${size}`]);
    rows.push([`static /${staticName} (same bytes)`, `${stat.rps.toFixed(0)} req/s`, `p50 ${stat.p50} ms, p99 ${stat.p99} ms`]);
    rows.push(["feed ÷ static", `${((dynamic.rps / stat.rps) * 100).toFixed(0)} %`, "of the static file's throughput"]);
  } finally {
    await app.stop();
  }
} finally {
  rmSync(staticFile, { force: true });
  await arxiv.close();
}

const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length), ["what", "median", "notes"][i]!.length));
const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
console.log(`\n${line(["what", "median", "notes"])}\n| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`);
for (const r of rows) console.log(line(r));
console.log(`\nNode ${process.version}, ${quick ? "quick" : "full"} run.`);
