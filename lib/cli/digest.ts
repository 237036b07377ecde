// `npm run digest -- --out README.md [--cats cs.AI+cs.LG] [--keywords LLM,RL^2] [--day 2026-06-30]`: the
// Markdown digest written from the command line through the same loadFeed call as /md, for a README kept
// up to date by a scheduled job (docs/github-action-digest.yml). With a model key in the environment it
// first makes the day's missing summaries, within the same budgets as the cron.
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { isAppError } from "../errors";
import { loadFeed, summaryCandidates } from "../feed";
import { createLiveDeps } from "../live";
import { stderrLogger } from "../log";
import { parsePageParams } from "../params";
import { renderDigest } from "../render/digest";

const FEED_OPTIONS = ["keywords", "exclude", "min_score", "limit", "types", "match", "day"] as const;

const USAGE = `usage: npm run digest -- [--out FILE] [--cats cs.AI+cs.LG] [--no-summaries]
                         [--keywords LIST] [--exclude LIST] [--min_score N] [--limit N]
                         [--types LIST] [--match prefix|word|substring] [--day YYYY-MM-DD]`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      out: { type: "string" },
      cats: { type: "string" },
      "no-summaries": { type: "boolean" },
      help: { type: "boolean" },
      ...Object.fromEntries(FEED_OPTIONS.map((name) => [name, { type: "string" as const }])),
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const deps = createLiveDeps({ log: stderrLogger });
  const search = new URLSearchParams();
  for (const name of FEED_OPTIONS) {
    const value = (values as Record<string, unknown>)[name];
    if (typeof value === "string") search.set(name, value);
  }
  const request = parsePageParams(values.cats ? [values.cats] : undefined, search, deps.config);
  if (deps.summaries.enabled && !values["no-summaries"]) {
    const report = await deps.summaries.fillMissing(await summaryCandidates(deps), {
      limit: Infinity,
      concurrency: deps.config.aiSummary.max_workers,
      deadline: Date.now() + 15 * 60_000,
    });
    console.error(`summaries: ${report.generated} made, ${report.existing} already there, ${report.failed} failed${report.skipped ? ` (${report.skipped})` : ""}`);
  }
  const feed = await loadFeed(request.feed, deps);
  if (request.day && !feed.days.some((d) => d.date === request.day)) throw new Error(`no papers are kept for ${request.day}`);
  const digest = renderDigest(feed, request.day ? { day: request.day } : {});
  if (values.out) {
    writeFileSync(values.out, digest);
    console.error(`wrote ${values.out}: ${feed.days[0]?.papers.length ?? 0} papers of ${feed.days[0]?.date ?? "no day"}`);
  } else {
    process.stdout.write(digest);
  }
  for (const w of feed.warnings) console.error(`warning: ${w}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`digest: ${isAppError(err) || err instanceof Error ? err.message : String(err)}`);
    if (err instanceof TypeError && /Unknown option|unexpected argument/i.test(err.message)) console.error(USAGE);
    process.exit(1);
  },
);
