// `npm run demo`: a local arXiv serving the project's fixtures (one real announcement day, dated today) and
// a local OpenAI-compatible stand-in, then the app in development mode against both. A newcomer without
// network or keys sees real papers, and where AI summaries appear (each labelled as the stand-in's).
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expectedAnnouncementDate } from "../../lib/arxiv/schedule";
import { getConfig } from "../../lib/config";
import { startArxivFixtureServer } from "./arxiv-fixture-server";
import { startFakeOpenAi } from "./fake-openai-server";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const port = process.env.PORT ?? "3000";
const today = expectedAnnouncementDate(Date.now());
const arxiv = await startArxivFixtureServer({ announceDate: today });
const llm = await startFakeOpenAi();
const ai = getConfig().aiSummary;
const DEMO_MODEL = "demo stand-in, not a real model";

console.log(`Local arXiv at ${arxiv.rssUrl}: the real announcement of Tue 30 Jun 2026, served as ${today}'s`);
console.log(`Local OpenAI-compatible stand-in at ${llm.baseUrl}: its "summaries" are placeholders labelled "${DEMO_MODEL}"`);
console.log(`Open http://localhost:${port}/ (feeds at /rss, /rss/cs.AI, /atom/cs.AI+cs.CL, /json/cs.LG, /opml)\n`);

const app = spawn(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "dev", "-p", port], {
  cwd: root,
  stdio: "inherit",
  env: {
    ...process.env,
    NEXT_TELEMETRY_DISABLED: "1",
    ARXIV_RSS_URL: arxiv.rssUrl,
    ARXIV_HTML_URL: arxiv.htmlUrl,
    // A local stand-in may be asked faster than arXiv's 3 s.
    ARXIV_MIN_INTERVAL_MS: "200",
    [ai.api_key_env]: "demo-key",
    AI_SUMMARY_BASE_URL: llm.baseUrl,
    AI_SUMMARY_MODEL: DEMO_MODEL,
  },
});

// Once the app answers, run the daily refresh as Vercel Cron would (next dev lets localhost in without a
// secret): the day's top papers get their stand-in summaries.
async function refreshWhenReady(): Promise<void> {
  for (let i = 0; i < 240; i++) {
    try {
      const res = await fetch(`http://localhost:${port}/api/cron/refresh`, { signal: AbortSignal.timeout(120_000) });
      if (res.ok) {
        const report = (await res.json()) as { summaries?: { generated?: number; skipped?: string } };
        const s = report.summaries;
        console.log(s?.skipped ? `\nSummaries are off: ${s.skipped}\n` : `\nDemo summaries generated: ${s?.generated ?? 0}\n`);
        return;
      }
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
void refreshWhenReady();

const stop = () => app.kill("SIGTERM");
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
app.on("exit", async (code) => {
  await Promise.all([arxiv.close(), llm.close()]);
  process.exit(code ?? 0);
});
