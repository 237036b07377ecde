// `npm run digest` as a scheduled job runs it: a real process against the local arXiv, writing README.md
// with the same papers, in the same order, as the feed of the same view.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { getConfig } from "../../lib/config";
import { loadFeed, type RankedFeed } from "../../lib/feed";
import { LruCache } from "../../lib/lru";
import { parseFeedParams } from "../../lib/params";
import { disabledSummaries } from "../../lib/summaries/service";
import { startArxivFixtureServer } from "../servers/arxiv-fixture-server";
import { sourceHarness, serverForTests } from "../helpers/io";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const arxiv = serverForTests(startArxivFixtureServer);

function run(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "lib/cli/digest.ts", ...args], {
      cwd: ROOT,
      env: { ...process.env, ARXIV_RSS_URL: arxiv.rssUrl, ARXIV_MIN_INTERVAL_MS: "0", DASHSCOPE_API_KEY: "" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (c) => (stderr += c));
    child.on("exit", (code) => resolve({ code: code ?? 1, stderr }));
  });
}

describe("npm run digest", () => {
  it("writes the day's digest to --out, with the feed's papers in the feed's order", async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), "digest-")), "README.md");
    const { code, stderr } = await run(["--out", out, "--cats", "cs.AI+cs.CL", "--keywords", "LLM,agent^2", "--limit", "10"]);
    expect(code, stderr).toBe(0);
    const digest = readFileSync(out, "utf8");
    const ids = [...digest.matchAll(/^\*\*ArXiv ID\*\*: (\S+)v\d+ {2}$/gm)].map((m) => m[1]);

    const sh = sourceHarness(arxiv, Date.now());
    const config = getConfig();
    const params = parseFeedParams(["cs.AI+cs.CL"], new URLSearchParams("keywords=LLM,agent^2&limit=10"), config);
    const feed = await loadFeed(params, { config, source: sh.source, now: sh.clock.now, summaries: disabledSummaries("off"), feedCache: new LruCache<RankedFeed>(8, 16 * 1024 * 1024) });
    expect(ids).toEqual(feed.days[0]!.papers.map((e) => e.paper.id));
    expect(ids).toHaveLength(10);
    expect(digest).toMatch(/^# arXiv Papers Bot/);
    expect(stderr).toMatch(/wrote .*README\.md: 10 papers/);
  }, 60_000);

  it("a bad option or parameter exits 1 with a message saying which", async () => {
    const bad = await run(["--limit", "0"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Invalid query parameter "limit"');
    const unknown = await run(["--nope"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("Unknown option '--nope'");
  }, 60_000);
});
