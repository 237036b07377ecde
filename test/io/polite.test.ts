// arXiv's terms: one request at a time, and a minimum gap between the end of one and the start of the
// next, across every instance sharing the store. Real time, real sleep, a small interval.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fetchCategoryFeed } from "../../lib/arxiv/fetch";
import { withArxivTurn, type PoliteDeps } from "../../lib/arxiv/polite";
import { createArxivSource, type ArxivSourceDeps } from "../../lib/arxiv/source";
import { silentLogger } from "../../lib/log";
import { MemoryStore } from "../../lib/store/memory";
import { storeKeys } from "../../lib/store/keys";
import { startArxivFixtureServer, type ArxivFixtureServer } from "../servers/arxiv-fixture-server";
import { realSleep, serialProblems, type Span } from "../helpers/io";

const INTERVAL = 150;
const CATEGORIES = ["cs.AI", "cs.CL", "cs.CV", "cs.DC", "cs.LG"];

let server: ArxivFixtureServer;

beforeAll(async () => {
  // A small delay per answer makes any overlap between requests visible to the server.
  server = await startArxivFixtureServer({ delayMs: 30 });
});
afterAll(async () => {
  await server?.close();
});
beforeEach(() => {
  server.reset();
});

function politeDeps(store: MemoryStore, overrides: Partial<PoliteDeps> = {}): PoliteDeps {
  return { store, now: Date.now, sleep: realSleep, intervalMs: INTERVAL, requestTimeoutMs: 2000, ...overrides };
}

function timed(spans: Span[], ms: number) {
  return async () => {
    const span: Span = { startedAt: Date.now() };
    await realSleep(ms);
    span.endedAt = Date.now();
    spans.push(span);
    return span;
  };
}

describe("withArxivTurn", () => {
  it("runs concurrent callers one at a time, at least intervalMs apart", async () => {
    const store = new MemoryStore();
    const spans: Span[] = [];
    const deadline = Date.now() + 10_000;
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => withArxivTurn(politeDeps(store), deadline, async () => (await timed(spans, 20)(), i))),
    );
    expect(results).toEqual([0, 1, 2, 3, 4].map((value) => ({ ran: true, value })));
    expect(spans).toHaveLength(5);
    expect(serialProblems(spans, INTERVAL)).toEqual([]);
  });

  it("keeps arXiv's own view polite: the fixture server sees no overlap and the gap", async () => {
    const store = new MemoryStore();
    const deadline = Date.now() + 10_000;
    const options = { baseUrl: server.rssUrl, timeoutMs: 2000, userAgent: "arxiv-rss-bot/test", fetch: globalThis.fetch };
    const outcomes = await Promise.all(
      ["cs.DC", "cs.DC", "cs.LG", "cs.DC"].map((c) => withArxivTurn(politeDeps(store), deadline, () => fetchCategoryFeed(c, options))),
    );
    expect(outcomes.every((o) => o.ran && o.value.kind === "feed")).toBe(true);
    expect(server.requests).toHaveLength(4);
    expect(server.maxConcurrent).toBe(1);
    expect(serialProblems(server.requests, INTERVAL)).toEqual([]);
  });

  it("(control) without turns the fixture server does see overlapping requests", async () => {
    const options = { baseUrl: server.rssUrl, timeoutMs: 2000, userAgent: "arxiv-rss-bot/test", fetch: globalThis.fetch };
    await Promise.all(["cs.DC", "cs.DC", "cs.DC"].map((c) => fetchCategoryFeed(c, options)));
    expect(server.maxConcurrent).toBeGreaterThan(1);
  });

  it("a caller that cannot get a turn by its deadline gets {ran:false} and never runs", async () => {
    const store = new MemoryStore();
    const spans: Span[] = [];
    const holder = withArxivTurn(politeDeps(store), Date.now() + 10_000, timed(spans, 400));
    await realSleep(10);
    let ranLate = false;
    const asked = Date.now();
    const late = await withArxivTurn(politeDeps(store), asked + 100, async () => {
      ranLate = true;
      return "late";
    });
    const waited = Date.now() - asked;
    expect(late).toEqual({ ran: false, reason: "busy" });
    expect(ranLate).toBe(false);
    // It waited for its deadline (not longer than the holder's request, and not zero).
    expect(waited).toBeGreaterThanOrEqual(90);
    expect(waited).toBeLessThan(400);
    expect((await holder).ran).toBe(true);
  });

  it("a caller whose deadline has passed still runs when the gate is free", async () => {
    const store = new MemoryStore();
    expect(await withArxivTurn(politeDeps(store), Date.now() - 1000, async () => "now")).toEqual({ ran: true, value: "now" });
  });

  it("a request that throws passes the error on and still keeps the gap before the next one", async () => {
    const store = new MemoryStore();
    let failedAt = 0;
    const failing = withArxivTurn(politeDeps(store), Date.now() + 5000, async () => {
      await realSleep(10);
      failedAt = Date.now();
      throw new Error("upstream broke");
    });
    await expect(failing).rejects.toThrow("upstream broke");
    let startedAt = 0;
    const next = await withArxivTurn(politeDeps(store), Date.now() + 5000, async () => {
      startedAt = Date.now();
      return 1;
    });
    expect(next).toEqual({ ran: true, value: 1 });
    expect(startedAt - failedAt).toBeGreaterThanOrEqual(INTERVAL);
  });

  it("a gate left by a crashed holder expires on its own", async () => {
    const store = new MemoryStore();
    await store.set(storeKeys.arxivGate(), "crashed-instance", { ttlMs: 200 });
    const asked = Date.now();
    const result = await withArxivTurn(politeDeps(store), asked + 5000, async () => Date.now());
    expect(result.ran).toBe(true);
    if (result.ran) expect(result.value - asked).toBeGreaterThanOrEqual(200);
  });

  it("with intervalMs 0 (a local stand-in) callers still never overlap", async () => {
    const store = new MemoryStore();
    const spans: Span[] = [];
    await Promise.all(
      Array.from({ length: 4 }, () => withArxivTurn(politeDeps(store, { intervalMs: 0 }), Date.now() + 5000, timed(spans, 15))),
    );
    expect(spans).toHaveLength(4);
    expect(serialProblems(spans, 0)).toEqual([]);
  });
});

describe("two source instances sharing one store", () => {
  function instance(store: MemoryStore) {
    const deps: ArxivSourceDeps = {
      store,
      fetch: globalThis.fetch,
      now: Date.now,
      sleep: realSleep,
      log: silentLogger,
      arxivRssUrl: server.rssUrl,
      minIntervalMs: INTERVAL,
      timeoutMs: 3000,
      maxWaitMs: 10_000,
      retrySeconds: 300,
      daysBack: 5,
      configured: ["cs.AI", "cs.CL", "cs.CV", "cs.DC", "cs.LG"],
      otherFetchesPerHour: 1000,
      staleWaitMs: 10_000,
      userAgent: "arxiv-rss-bot/test",
    };
    return createArxivSource(deps);
  }

  it("together never overlap, keep the gap, and ask for each category once", async () => {
    const store = new MemoryStore();
    const a = instance(store);
    const b = instance(store);
    const snapshots = await Promise.all(CATEGORIES.flatMap((c) => [a.load(c), b.load(c), a.load(c)]));
    expect(server.maxConcurrent).toBe(1);
    expect(serialProblems(server.requests, INTERVAL)).toEqual([]);
    expect(server.requests.map((r) => r.category).sort()).toEqual([...CATEGORIES].sort());
    // Both instances serve the same papers: the one that waited read the other's result.
    for (const [i, c] of CATEGORIES.entries()) {
      const [x, y, z] = snapshots.slice(i * 3, i * 3 + 3);
      expect(x!.category).toBe(c);
      expect(x!.version).toBeDefined();
      expect(y!.version).toBe(x!.version);
      expect(z!.version).toBe(x!.version);
      expect(x!.problem).toBeUndefined();
      expect(y!.problem).toBeUndefined();
    }
  });
});
