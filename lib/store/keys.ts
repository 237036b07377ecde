// Every store key is made here, so a schema change bumps one prefix and old values are simply ignored.
const PREFIX = "arxiv-rss-bot:v1";

export const storeKeys = {
  /** Small per-category record read on every request: content version, freshness, failures. */
  categoryState: (category: string) => `${PREFIX}:category:${category}`,
  /** The papers of one content version of a category; immutable once written. */
  categoryPapers: (category: string, version: string) => `${PREFIX}:papers:${category}:${version}`,
  /** Held while one instance refreshes a category; others wait for its result. */
  categoryLock: (category: string) => `${PREFIX}:lock:${category}`,
  /** Held from the start of an arXiv request until the polite interval after it has passed. */
  arxivGate: () => `${PREFIX}:arxiv-gate`,
};
