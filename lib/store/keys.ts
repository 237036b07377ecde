// Every store key is made here, so a schema change bumps one prefix and old values are simply ignored.
const PREFIX = "arxiv-rss-bot:v1";

export const storeKeys = {
  /** Small per-category record read on every request: content version, freshness, failures. */
  categoryState: (category: string) => `${PREFIX}:category:${category}`,
  /** One part of the papers of one content version of a category; immutable once written. */
  categoryPapers: (category: string, version: string, part: number) => `${PREFIX}:papers:${category}:${version}:${part}`,
  /** Held while one instance refreshes a category; others wait for its result. */
  categoryLock: (category: string) => `${PREFIX}:lock:${category}`,
  /** Held from the start of an arXiv request until the polite interval after it has passed. */
  arxivGate: () => `${PREFIX}:arxiv-gate`,
  /** Set while a fetch for a configured category waits for the gate: the others step aside. */
  arxivPriorityWaiting: () => `${PREFIX}:arxiv-gate:priority`,
  /** Set when arXiv asked us to slow down (429, 503, "Rate exceeded"): no instance asks it anything. */
  arxivPause: () => `${PREFIX}:arxiv-pause`,
  /** arXiv fetches for categories not in config.json, per UTC hour, across instances. */
  otherCategoryFetches: (hour: string) => `${PREFIX}:other-fetches:${hour}`,
  /** A summary, kept forever: one paper version, model, prompt and source. */
  summary: (paperVersion: string, model: string, promptHash: string, source: string) =>
    `${PREFIX}:summary:${paperVersion}:${encodeURIComponent(model)}:${promptHash}:${source}`,
  /** Held while one instance asks the model for that summary. */
  summaryLock: (summaryKey: string) => `${summaryKey}:lock`,
  /** The last failure of that summary and when to try again. */
  summaryFailure: (summaryKey: string) => `${summaryKey}:failure`,
  /** LLM calls made on one US Eastern day, across all instances. */
  summaryBudget: (day: string) => `${PREFIX}:summary-budget:${day}`,
  /** Bumped whenever a summary is added, so feeds' ETags change. */
  summaryEpoch: () => `${PREFIX}:summary-epoch`,
  /** When a summary was last added (epoch ms), for Last-Modified. */
  summaryUpdatedAt: () => `${PREFIX}:summary-updated-at`,
};

/** Values worth a local copy for a KV outage: papers, their state and summaries (not locks or counters). */
export function isCachedData(key: string): boolean {
  const rest = key.startsWith(`${PREFIX}:`) ? key.slice(PREFIX.length + 1) : "";
  if (rest.startsWith("category:") || rest.startsWith("papers:")) return true;
  return rest.startsWith("summary:") && !rest.endsWith(":lock") && !rest.endsWith(":failure");
}
