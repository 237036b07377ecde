// Shared helpers for the AI-summary unit tests: real papers from the day fixtures, a real chat model
// against the fake OpenAI server, summaries on an injected clock, and redis + the Upstash shim for KV.
import { readFileSync } from "node:fs";
import { parseConfig, type AiSummaryConfig } from "../../lib/config";
import { parseArxivRss } from "../../lib/arxiv/parse";
import { createChatModel, type ChatModel, type ChatModelOptions } from "../../lib/summaries/llm";
import type { FullTextResult } from "../../lib/summaries/fulltext";
import { createSummaries, type Summaries, type SummariesDeps } from "../../lib/summaries/service";
import type { Paper } from "../../lib/types";
import type { FakeOpenAi } from "../servers/fake-openai-server";
import { recordingLogger } from "./io";

export const PROMPT = readFileSync(new URL("../../ai_summary_prompt.txt", import.meta.url), "utf8");
export const API_KEY = "sk-unit-test-key";

const paperCache = new Map<string, Paper[]>();
/** The papers of a day fixture, parsed with the app's own parser (`cs.AI` → day/rss-cs.AI.xml). */
export function fixturePapers(category: string): Paper[] {
  let papers = paperCache.get(category);
  if (!papers) {
    const xml = readFileSync(new URL(`../fixtures/arxiv/day/rss-${category}.xml`, import.meta.url), "utf8");
    const outcome = parseArxivRss(xml);
    if (outcome.kind !== "feed") throw new Error(`fixture ${category} did not parse: ${outcome.kind}`);
    papers = outcome.papers;
    paperCache.set(category, papers);
  }
  return papers;
}

/** `n` distinct real cs.AI papers, skipping `skip` first (the fixture's first paper is 2606.30639). */
export function papers(n: number, skip = 0): Paper[] {
  const all = fixturePapers("cs.AI");
  const seen = new Set<string>();
  const out: Paper[] = [];
  for (const p of all.slice(skip)) {
    if (seen.has(p.id)) continue;
    seen.add(p.id);
    out.push(p);
    if (out.length === n) return out;
  }
  throw new Error(`only ${out.length} papers in the fixture`);
}

/** The paper that has an HTML full text fixture. */
export function paperWithHtml(): Paper {
  const p = fixturePapers("cs.AI").find((x) => x.id === "2606.30639");
  if (!p) throw new Error("2606.30639 is not in rss-cs.AI.xml");
  return p;
}

export function aiConfig(overrides: Record<string, unknown> = {}): AiSummaryConfig {
  return parseConfig({ categories: ["cs.AI"], ai_summary: { enabled: true, ...overrides } }).aiSummary;
}

export function chatModel(llm: Pick<FakeOpenAi, "baseUrl">, overrides: Partial<ChatModelOptions> = {}): ChatModel {
  return createChatModel({
    baseUrl: llm.baseUrl,
    apiKey: API_KEY,
    model: "test-model",
    timeoutMs: 2000,
    maxRetries: 0,
    maxOutputTokens: 512,
    ...overrides,
  });
}

export interface SummariesHarness {
  summaries: Summaries;
  log: ReturnType<typeof recordingLogger>;
  deps: SummariesDeps;
}

export function makeSummaries(
  deps: Pick<SummariesDeps, "store" | "model" | "now"> & Partial<Omit<SummariesDeps, "config">> & { config?: Record<string, unknown> },
): SummariesHarness {
  const log = recordingLogger();
  const full: SummariesDeps = {
    prompt: PROMPT,
    log,
    fullText: async (): Promise<FullTextResult> => ({ kind: "none" }),
    retrySeconds: 10,
    degraded: () => false,
    ...deps,
    config: aiConfig(deps.config),
  };
  return { summaries: createSummaries(full), log, deps: full };
}

/** The calls the fake server got about one paper (versionless id). */
export function callsFor(llm: FakeOpenAi, id: string) {
  return llm.calls.filter((c) => c.paper?.replace(/v\d+$/, "") === id);
}

/** Paper ids (versionless) the fake server was asked about, with their counts. */
export function callCounts(llm: FakeOpenAi): Map<string, number> {
  const counts = new Map<string, number>();
  for (const c of llm.calls) {
    const id = c.paper?.replace(/v\d+$/, "") ?? "?";
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** A model that runs `before` (e.g. moves a clock, waits) before asking the real one. */
export function instrumented(model: ChatModel, before: (paperLine: string | undefined) => Promise<void> | void): ChatModel {
  return {
    name: model.name,
    async complete(messages) {
      await before(/^arXiv: (\S+)$/m.exec(messages.at(-1)?.content ?? "")?.[1]);
      return model.complete(messages);
    },
  };
}
