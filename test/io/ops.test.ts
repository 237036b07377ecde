// The operators' endpoints: handleHealth and handleCronRefresh, with a real arXiv source against the fixture
// server, on a fake clock. Health must tell an outage from a working deployment; the refresh endpoint must
// refuse anyone without the secret and, for the right caller, ingest every category and report.
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../lib/config";
import { handleCronRefresh, handleHealth, type OpsDeps } from "../../lib/ops";
import { FailoverStore, type StoreHealth } from "../../lib/store/failover";
import { MemoryStore } from "../../lib/store/memory";
import type { Store } from "../../lib/store/types";
import { summaryCandidates, type RankedFeed } from "../../lib/feed";
import { LruCache } from "../../lib/lru";
import { disabledSummaries, type FillReport, type Summaries } from "../../lib/summaries/service";
import { startArxivFixtureServer } from "../servers/arxiv-fixture-server";
import { recordingLogger, sourceHarness, serverForTests, TUE_10AM } from "../helpers/io";

const server = serverForTests(startArxivFixtureServer);

const SECRET = "s3cret-cron-token";
const VERSION = "9.9.9-test";
const CATEGORIES = ["cs.AI", "cs.DC"];
const DISABLED_REASON = "no API key: DASHSCOPE_API_KEY is not set";

const config = parseConfig({
  categories: CATEGORIES,
  keywords: ["LLM", "agent"],
  announce_types: ["new", "cross", "replace", "replace-cross"],
  ai_summary: { enabled: true, max_workers: 4, max_papers_to_summarize: 3 },
});

const HEALTHY: StoreHealth = { kind: "kv", healthy: true };

interface HarnessOptions {
  cronSecret?: string;
  devServer?: boolean;
  notes?: string[];
  summaries?: Summaries;
  storeHealth?: () => StoreHealth;
  probeStore?: () => Promise<void>;
  store?: Store;
}

function harness(options: HarnessOptions = {}) {
  const sh = sourceHarness(server, TUE_10AM, { retrySeconds: 300, timeoutMs: 2000, ...(options.store ? { store: options.store } : {}) });
  const log = recordingLogger();
  let probes = 0;
  const deps: OpsDeps = {
    config,
    source: sh.source,
    now: sh.clock.now,
    log,
    summaries: options.summaries ?? disabledSummaries(DISABLED_REASON),
    feedCache: new LruCache<RankedFeed>(64, 64 * 1024 * 1024),
    storeHealth: options.storeHealth ?? (() => HEALTHY),
    probeStore:
      options.probeStore ??
      (async () => {
        probes++;
        await sh.deps.store.get("arxiv-rss-bot:health-probe");
      }),
    cronSecret: options.cronSecret,
    devServer: options.devServer ?? false,
    notes: options.notes ?? [],
    version: VERSION,
  };
  return { ...sh, deps, log, probes: () => probes };
}

/** A Summaries that records what the refresh asked of it. */
function recordingSummaries(report: Partial<FillReport> = {}) {
  const calls: { candidates: string[]; options: { limit: number; concurrency: number; deadline?: number } }[] = [];
  const summaries: Summaries = {
    enabled: true,
    model: "qwen-long",
    epoch: async () => ({ count: 0, updatedAt: 0 }),
    lookup: async () => new Map(),
    usage: async () => ({ day: "2026-06-30", calls: 7, cap: 100, lastCall: { at: "2026-06-30T13:00:00.000Z", ok: true } }),
    fillMissing: async (candidates, options) => {
      calls.push({ candidates: candidates.map((p) => p.id), options });
      return {
        candidates: candidates.length,
        existing: 0,
        generated: 2,
        failed: 0,
        locked: 0,
        waiting: 0,
        deferred: candidates.length - 2,
        budgetExhausted: false,
        failures: [],
        ...report,
      };
    },
  };
  return { summaries, calls };
}

const cron = (headers: Record<string, string> = {}) =>
  new Request("https://bot.example.test/api/cron/refresh", { headers });
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

interface HealthBody {
  status: string;
  version: string;
  store: StoreHealth;
  summaries: { enabled: boolean; model?: string; reason?: string };
  categories: ({ category: string; failing: boolean } & Record<string, unknown>)[];
}

interface CronBody {
  ok: boolean;
  durationMs: number;
  categories: { category: string; version?: string | null; days?: { date: string; papers: number }[]; problem?: string; error?: string }[];
  summaries: Record<string, unknown>;
}

describe("handleHealth", () => {
  it("healthy: 200 {status: ok} with version, store, summaries and each category; arXiv is not asked", async () => {
    const h = harness();
    const res = await handleHealth(h.deps);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({
      status: "ok",
      version: VERSION,
      checkedAt: new Date(TUE_10AM).toISOString(),
      store: { kind: "kv", healthy: true, configured: true },
      summaries: { enabled: false, reason: DISABLED_REASON },
      categories: [
        { category: "cs.AI", failing: false },
        { category: "cs.DC", failing: false },
      ],
    });
    expect(h.probes()).toBe(1);
    expect(server.requests).toEqual([]);
  });

  it("per category: the latest announcement day held and its age, the last fetch and its outcome", async () => {
    const h = harness();
    server.setAnnounceDate("2026-06-30");
    await h.source.load("cs.AI");
    const body = (await (await handleHealth(h.deps)).json()) as HealthBody;
    expect(body.categories[0]).toEqual({
      category: "cs.AI",
      latestDay: "2026-06-30",
      latestDayAgeHours: 10,
      lastFetch: { at: new Date(TUE_10AM).toISOString(), outcome: "ok" },
      lastGoodFetch: new Date(TUE_10AM).toISOString(),
      failing: false,
      nextCheckAt: expect.any(String),
    });
    expect(body.categories[1]).toEqual({ category: "cs.DC", failing: false });
  });

  it("while arXiv fails for a category: its outcome, since when; ok with papers for under a day, degraded after, still 200", async () => {
    const h = harness();
    server.setAnnounceDate("2026-06-30");
    await h.source.load("cs.DC");
    h.clock.advance(3_600_000);
    server.setScenario("cs.DC", "http-503");
    h.clock.set(Date.parse("2026-07-01T14:00:00Z"));
    await h.source.load("cs.DC");
    const first = (await (await handleHealth(h.deps)).json()) as HealthBody;
    expect(first.status).toBe("ok");
    expect(first.categories[1]).toMatchObject({
      category: "cs.DC",
      latestDay: "2026-06-30",
      lastFetch: { outcome: "overloaded", message: "arXiv answered HTTP 503" },
      failing: true,
      failingSince: "2026-07-01T14:00:00.000Z",
    });
    h.clock.set(Date.parse("2026-07-02T15:00:00Z"));
    await h.source.load("cs.DC");
    const res = await handleHealth(h.deps);
    expect(res.status).toBe(200);
    const later = (await res.json()) as HealthBody;
    expect(later.status).toBe("degraded");
    expect(later.categories[1]).toMatchObject({ failing: true, failingSince: "2026-07-01T14:00:00.000Z" });
  });

  it("503 {status: down} when nothing can be served: no papers held and arXiv failing", async () => {
    const h = harness();
    server.setScenario("*", "http-500");
    await Promise.all(CATEGORIES.map((c) => h.source.load(c)));
    const res = await handleHealth(h.deps);
    expect(res.status).toBe(503);
    expect(((await res.json()) as HealthBody).status).toBe("down");
  });

  it("degraded (still 200) when storeHealth() says KV is unhealthy, with its error", async () => {
    const failing: StoreHealth = { kind: "kv", healthy: false, lastError: "TypeError: fetch failed", failingSince: "2026-06-30T13:59:00.000Z" };
    const h = harness({ storeHealth: () => failing });
    const res = await handleHealth(h.deps);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as HealthBody;
    expect(body.status).toBe("degraded");
    expect(body.store).toEqual({ ...failing, configured: true });
    expect(body.categories.map((c) => c.category)).toEqual(CATEGORIES);
  });

  it("the probe makes a KV outage visible: the first health check after KV fails already says degraded", async () => {
    const fail = () => Promise.reject(new TypeError("fetch failed"));
    const brokenKv: Store = { get: fail, getMany: fail, set: fail, del: fail, incr: fail, delIfEquals: fail, expireIfEquals: fail };
    const log = recordingLogger();
    const failover = new FailoverStore(brokenKv, new MemoryStore(() => TUE_10AM), { now: () => TUE_10AM, log, retryPrimaryAfterMs: 15_000 });
    const h = harness({ store: failover, storeHealth: () => failover.health(), probeStore: async () => void (await failover.get("probe")) });
    const body = (await (await handleHealth(h.deps)).json()) as HealthBody;
    expect(body.status).toBe("degraded");
    expect(body.store).toEqual({
      kind: "kv",
      configured: true,
      healthy: false,
      lastError: "TypeError: fetch failed",
      failingSince: new Date(TUE_10AM).toISOString(),
    });
  });

  it("without KV: the in-process store, not configured; on Vercel a note says the gate and cache are per instance", async () => {
    const h = harness({ storeHealth: () => ({ kind: "memory", healthy: true }), notes: ["per instance"] });
    const body = (await (await handleHealth(h.deps)).json()) as HealthBody & { notes?: string[] };
    expect(body.store).toEqual({ kind: "memory", healthy: true, configured: false });
    expect(body.notes).toEqual(["per instance"]);
  });

  it("a probe that throws does not break the health check", async () => {
    const h = harness({ probeStore: () => Promise.reject(new Error("boom")) });
    const res = await handleHealth(h.deps);
    expect(res.status).toBe(200);
    expect(((await res.json()) as HealthBody).status).toBe("ok");
  });

  it("a category whose status cannot be read is reported as not fetched, not as a failure of the endpoint", async () => {
    const h = harness();
    const source = { ...h.deps.source, peek: (c: string) => (c === "cs.DC" ? Promise.reject(new Error("store read failed")) : h.source.peek(c)) };
    const res = await handleHealth({ ...h.deps, source });
    expect(res.status).toBe(200);
    expect(((await res.json()) as HealthBody).categories[1]).toEqual({ category: "cs.DC", failing: false });
  });

  it("summaries: enabled with the model, today's calls against the cap and the last call; or disabled with the reason", async () => {
    const on = harness({ summaries: recordingSummaries().summaries });
    expect(((await (await handleHealth(on.deps)).json()) as HealthBody).summaries).toEqual({
      enabled: true,
      model: "qwen-long",
      today: { day: "2026-06-30", calls: 7, cap: 100 },
      lastCall: { at: "2026-06-30T13:00:00.000Z", ok: true },
    });
    for (const reason of ["ai_summary.enabled is false in config.json", "on Vercel, summaries need a KV store (KV_REST_API_URL)"]) {
      const off = harness({ summaries: disabledSummaries(reason) });
      expect(((await (await handleHealth(off.deps)).json()) as HealthBody).summaries).toEqual({ enabled: false, reason });
    }
  });
});

describe("handleCronRefresh: who may call it", () => {
  it("401 without an Authorization header when CRON_SECRET is set; nothing is fetched or summarized", async () => {
    const { summaries, calls } = recordingSummaries();
    const h = harness({ cronSecret: SECRET, summaries });
    const res = await handleCronRefresh(cron(), h.deps, 300_000);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe("Bearer");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(((await res.json()) as { error: string }).error).toMatch(/unauthorized/i);
    expect(server.requests).toEqual([]);
    expect(calls).toEqual([]);
  });

  it.each([
    ["a wrong token", `Bearer not-${SECRET}`],
    ["the secret with a suffix", `Bearer ${SECRET}x`],
    ["a prefix of the secret", `Bearer ${SECRET.slice(0, -1)}`],
    ["an empty token", "Bearer "],
    ["the secret without the Bearer scheme", SECRET],
    ["the secret as Basic", `Basic ${SECRET}`],
  ])("401 with %s", async (_name, authorization) => {
    const { summaries, calls } = recordingSummaries();
    const h = harness({ cronSecret: SECRET, summaries });
    const res = await handleCronRefresh(cron({ Authorization: authorization }), h.deps, 300_000);
    expect(res.status).toBe(401);
    expect(server.requests).toEqual([]);
    expect(calls).toEqual([]);
  });

  it("without CRON_SECRET it is closed to everyone, saying why, even from localhost", async () => {
    const { summaries, calls } = recordingSummaries();
    const h = harness({ summaries });
    const local = new Request("http://localhost:3000/api/cron/refresh");
    for (const request of [cron(), cron(bearer("anything")), cron(bearer("")), local]) {
      const res = await handleCronRefresh(request, h.deps, 300_000);
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: string }).error).toMatch(/CRON_SECRET is not set/);
    }
    expect(server.requests).toEqual([]);
    expect(calls).toEqual([]);
  });

  it("under next dev without CRON_SECRET, only a request to localhost may refresh", async () => {
    const h = harness({ devServer: true });
    for (const url of ["http://localhost:3000/api/cron/refresh", "http://127.0.0.1:3000/api/cron/refresh", "http://[::1]:3000/api/cron/refresh"]) {
      const res = await handleCronRefresh(new Request(url), h.deps, 300_000);
      expect(res.status, url).toBe(200);
      expect(((await res.json()) as CronBody).ok).toBe(true);
    }
    expect((await handleCronRefresh(cron(), h.deps, 300_000)).status).toBe(403);
    const forged = new Request("https://bot.example.test/api/cron/refresh", { headers: { Host: "localhost" } });
    expect((await handleCronRefresh(forged, h.deps, 300_000)).status).toBe(403);
  });

  it.each([false, true])("the right Bearer token is let in (dev server: %s)", async (devServer) => {
    const h = harness({ cronSecret: SECRET, devServer });
    const res = await handleCronRefresh(cron(bearer(SECRET)), h.deps, 300_000);
    expect(res.status).toBe(200);
    expect(((await res.json()) as CronBody).ok).toBe(true);
  });
});

describe("handleCronRefresh: the report", () => {
  it("ingests every configured category from arXiv and reports its days and papers", async () => {
    const h = harness({ cronSecret: SECRET });
    const res = await handleCronRefresh(cron(bearer(SECRET)), h.deps, 300_000);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as CronBody;
    expect(body.ok).toBe(true);
    expect(body.durationMs).toEqual(expect.any(Number));
    expect(body.categories.map((c) => c.category)).toEqual(CATEGORIES);
    expect(server.requests.map((r) => r.category).sort()).toEqual(CATEGORIES);
    for (const entry of body.categories) {
      const snapshot = await h.source.load(entry.category); // from the store now: no new request
      expect(entry.version).toBe(snapshot.version);
      expect(entry.version).toEqual(expect.any(String));
      expect(entry.days).toEqual(snapshot.days.map((d) => ({ date: d.date, papers: d.papers.length })));
      expect(entry.days![0]).toMatchObject({ date: "2026-06-30" });
      expect(entry.days![0]!.papers).toBeGreaterThan(0);
      expect(entry).not.toHaveProperty("problem");
    }
    expect(server.requests).toHaveLength(CATEGORIES.length);
    expect(h.log.entries.some((e) => e.level === "info" && e.message === "cron refresh")).toBe(true);
  });

  it("with summaries off, the summaries report says they were skipped and why", async () => {
    const h = harness({ cronSecret: SECRET });
    const body = (await (await handleCronRefresh(cron(bearer(SECRET)), h.deps, 300_000)).json()) as CronBody;
    const candidates = await summaryCandidates(h.deps);
    expect(candidates.length).toBeGreaterThan(0);
    expect(body.summaries).toEqual({
      candidates: candidates.length,
      existing: 0,
      generated: 0,
      failed: 0,
      locked: 0,
      waiting: 0,
      deferred: 0,
      budgetExhausted: false,
      failures: [],
      skipped: DISABLED_REASON,
    });
  });

  it("with summaries on, asks for every candidate with max_workers and a deadline before the platform's limit, and reports it", async () => {
    const { summaries, calls } = recordingSummaries({ failures: [{ id: "x", reason: "timeout", message: "slow" }], failed: 1 });
    const h = harness({ cronSecret: SECRET, summaries });
    const body = (await (await handleCronRefresh(cron(bearer(SECRET)), h.deps, 300_000)).json()) as CronBody;
    const candidates = (await summaryCandidates(h.deps)).map((p) => p.id);
    expect(candidates.length).toBeGreaterThan(0);
    expect(calls).toEqual([{ candidates, options: { limit: candidates.length, concurrency: 4, deadline: TUE_10AM + 280_000 } }]);
    expect(body.summaries).toMatchObject({ candidates: candidates.length, generated: 2, failed: 1, failures: [{ id: "x", reason: "timeout", message: "slow" }] });
  });

  it("a short function limit still leaves at least a second for summaries", async () => {
    const { summaries, calls } = recordingSummaries();
    const h = harness({ summaries, cronSecret: SECRET });
    await handleCronRefresh(cron(bearer(SECRET)), h.deps, 10_000);
    expect(calls[0]!.options.deadline).toBe(TUE_10AM + 1000);
  });

  it("a category arXiv fails for is reported with its problem; the others are refreshed", async () => {
    server.setScenario("cs.DC", "http-500");
    const h = harness({ cronSecret: SECRET });
    const res = await handleCronRefresh(cron(bearer(SECRET)), h.deps, 300_000);
    expect(res.status).toBe(200);
    const body = (await res.json()) as CronBody;
    const [ai, dc] = body.categories;
    expect(ai).toMatchObject({ category: "cs.AI", version: expect.any(String) });
    expect(ai).not.toHaveProperty("problem");
    expect(dc).toMatchObject({ category: "cs.DC", version: null, days: [], problem: expect.stringMatching(/\S/) });
  });

  it("arXiv's \"Feed error\" for a configured category is reported as a problem to retry; the refresh still answers", async () => {
    server.setScenario("cs.DC", "unknown");
    const h = harness({ cronSecret: SECRET });
    const res = await handleCronRefresh(cron(bearer(SECRET)), h.deps, 300_000);
    expect(res.status).toBe(200);
    const body = (await res.json()) as CronBody;
    // The category is in arXiv's taxonomy and config.json: more likely arXiv's glitch than a removal.
    expect(body.categories[1]).toEqual({ category: "cs.DC", version: null, days: [], problem: expect.stringContaining("arXiv said") });
    expect(body.categories[0]).toMatchObject({ category: "cs.AI", version: expect.any(String) });
  });

  it("a failure while finding or summarizing candidates is reported, not thrown", async () => {
    const failing: Summaries = { ...recordingSummaries().summaries, fillMissing: () => Promise.reject(new Error("candidate lookup failed")) };
    const h = harness({ cronSecret: SECRET, summaries: failing });
    const res = await handleCronRefresh(cron(bearer(SECRET)), h.deps, 300_000);
    expect(res.status).toBe(200);
    const body = (await res.json()) as CronBody;
    expect(body.ok).toBe(true);
    expect(body.summaries).toEqual({ error: "candidate lookup failed" });
    expect(body.categories).toHaveLength(CATEGORIES.length);
  });
});
