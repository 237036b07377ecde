// The arXiv source: freshness against arXiv's schedule, single-flight, failures that keep the last good
// papers, the days_back merge, and a store that may hold anything. Fake clock (virtual sleep), real HTTP.
import { describe, expect, it } from "vitest";
import { expectedAnnouncementDate, nextArxivUpdate } from "../../lib/arxiv/schedule";
import type { CategorySnapshot } from "../../lib/arxiv/source";
import { AppError } from "../../lib/errors";
import { USER_AGENT_PRODUCT } from "../../lib/live";
import { storeKeys } from "../../lib/store/keys";
import { startArxivFixtureServer, type Scenario } from "../servers/arxiv-fixture-server";
import { et, fakeClock, sourceHarness, serverForTests, TUE_10AM, WED_00, WED_10AM, THU_00 } from "../helpers/io";

const server = serverForTests(startArxivFixtureServer);


const requestsFor = (category: string) => server.requests.filter((r) => r.category === category).length;
const dates = (s: CategorySnapshot) => s.days.map((d) => d.date);

describe("freshness and single-flight", () => {
  it("50 concurrent loads make one request and all get the same version", async () => {
    const { source, clock } = sourceHarness(server, TUE_10AM);
    server.setAnnounceDate(expectedAnnouncementDate(clock.now()));
    const snapshots = await Promise.all(Array.from({ length: 50 }, () => source.load("cs.AI")));
    expect(requestsFor("cs.AI")).toBe(1);
    const version = snapshots[0]!.version;
    expect(version).toBeDefined();
    expect(snapshots.every((s) => s.version === version)).toBe(true);
    expect(snapshots[0]!.days[0]!.papers).toHaveLength(352);
    expect(snapshots[0]!.problem).toBeUndefined();

    // Until nextCheckAt nothing is asked again, however many loads.
    const nextCheckAt = snapshots[0]!.nextCheckAt;
    expect(nextCheckAt).toBe(nextArxivUpdate(TUE_10AM));
    clock.set(nextCheckAt - 1);
    const later = await Promise.all(Array.from({ length: 20 }, () => source.load("cs.AI")));
    expect(requestsFor("cs.AI")).toBe(1);
    expect(later.every((s) => s.version === version)).toBe(true);

    // Once arXiv has updated, one new request (again single-flight).
    clock.set(nextArxivUpdate(TUE_10AM) + 1);
    await Promise.all(Array.from({ length: 20 }, () => source.load("cs.AI")));
    expect(requestsFor("cs.AI")).toBe(2);
  });

  it("a feed carrying the expected day stays fresh until the next weekday midnight ET", async () => {
    const { source, clock } = sourceHarness(server, TUE_10AM);
    server.setAnnounceDate(expectedAnnouncementDate(clock.now()));
    const first = await source.load("cs.DC");
    expect(first.nextCheckAt).toBe(WED_00);
    clock.set(WED_00 - 1);
    await source.load("cs.DC");
    expect(requestsFor("cs.DC")).toBe(1);
    clock.set(WED_00);
    await source.load("cs.DC");
    expect(requestsFor("cs.DC")).toBe(2);
  });

  it("Friday's feed stays fresh over the weekend until Monday midnight ET", async () => {
    const friday = et("2026-07-03", "10:00");
    const { source, clock } = sourceHarness(server, friday);
    server.setAnnounceDate(expectedAnnouncementDate(friday));
    expect(expectedAnnouncementDate(friday)).toBe("2026-07-03");
    const snap = await source.load("cs.DC");
    expect(snap.nextCheckAt).toBe(et("2026-07-06"));
    clock.set(et("2026-07-05", "23:59"));
    await source.load("cs.DC");
    expect(requestsFor("cs.DC")).toBe(1);
  });

  it("a feed still showing an older day is asked again after retrySeconds", async () => {
    const justAfterMidnight = et("2026-07-01", "00:30");
    const { source, clock } = sourceHarness(server, justAfterMidnight, { retrySeconds: 120 });
    server.setAnnounceDate("2026-06-30"); // arXiv has not rebuilt the feed yet
    const stale = await source.load("cs.DC");
    expect(stale.version).toBeDefined();
    expect(stale.problem).toBeUndefined();
    expect(stale.nextCheckAt).toBe(justAfterMidnight + 120_000);
    clock.advance(119_999);
    await source.load("cs.DC");
    expect(requestsFor("cs.DC")).toBe(1);
    clock.advance(1);
    server.setAnnounceDate("2026-07-01"); // now it has
    const fresh = await source.load("cs.DC");
    expect(requestsFor("cs.DC")).toBe(2);
    expect(fresh.nextCheckAt).toBe(THU_00);
    expect(dates(fresh)).toEqual(["2026-07-01", "2026-06-30"]);
  });

  it("a second instance sharing the store serves the first one's papers without asking arXiv", async () => {
    const a = sourceHarness(server, TUE_10AM);
    const b = sourceHarness(server, TUE_10AM, { store: a.store, clock: a.clock });
    server.setAnnounceDate("2026-06-30");
    const fromA = await a.source.load("cs.DC");
    const fromB = await b.source.load("cs.DC");
    expect(requestsFor("cs.DC")).toBe(1);
    expect(fromB.version).toBe(fromA.version);
    expect(fromB.days).toEqual(fromA.days);
  });
});

describe("announcement days (days_back)", () => {
  it("keeps each fetched day, newest first, and at most daysBack of them", async () => {
    const { source, clock } = sourceHarness(server, TUE_10AM, { daysBack: 2 });
    server.setAnnounceDate("2026-06-30");
    const a = await source.load("cs.DC");
    expect(dates(a)).toEqual(["2026-06-30"]);

    clock.set(WED_10AM);
    server.setAnnounceDate("2026-07-01");
    const b = await source.load("cs.DC");
    expect(dates(b)).toEqual(["2026-07-01", "2026-06-30"]);
    expect(b.version).not.toBe(a.version);
    expect(b.changedAt).toBe(WED_10AM);
    expect(b.days[1]).toEqual(a.days[0]);

    clock.set(et("2026-07-02", "10:00"));
    server.setAnnounceDate("2026-07-02");
    const c = await source.load("cs.DC");
    expect(dates(c)).toEqual(["2026-07-02", "2026-07-01"]);
    expect(requestsFor("cs.DC")).toBe(3);
  });

  it("a new version replaces the previous one in the store: only the current papers are kept", async () => {
    const { source, clock, store } = sourceHarness(server, TUE_10AM);
    server.setAnnounceDate("2026-06-30");
    const a = await source.load("cs.DC");
    clock.set(WED_10AM);
    server.setAnnounceDate("2026-07-01");
    const b = await source.load("cs.DC");
    expect(b.version).not.toBe(a.version);
    expect(await store.get(storeKeys.categoryPapers("cs.DC", a.version!, 0))).toBeUndefined();
    expect(await store.get(storeKeys.categoryPapers("cs.DC", b.version!, 0))).toMatchObject({ version: b.version });
  });

  it("waits on another instance's lock, and takes over when it is released without a result", async () => {
    const { source, store } = sourceHarness(server, TUE_10AM, { minIntervalMs: 20, maxWaitMs: 3_600_000 });
    await store.set(storeKeys.categoryLock("cs.DC"), "another instance", { ttlMs: 3_600_000 });
    const loading = source.load("cs.DC");
    await new Promise((r) => setTimeout(r, 30));
    expect(requestsFor("cs.DC")).toBe(0); // waiting, not fetching behind the holder's back
    await store.del(storeKeys.categoryLock("cs.DC")); // the holder gave up (arXiv was busy)
    const snap = await loading;
    expect(requestsFor("cs.DC")).toBe(1);
    expect(snap.version).toBeDefined();
    expect(await store.get(storeKeys.categoryLock("cs.DC"))).toBeUndefined();
  });

  it("an empty feed after a good one keeps the good papers (same version)", async () => {
    const { source, clock } = sourceHarness(server, TUE_10AM);
    server.setAnnounceDate("2026-06-30");
    const good = await source.load("cs.DC");
    clock.set(WED_10AM);
    server.setScenario("cs.DC", "empty");
    server.setAnnounceDate("2026-07-01"); // a holiday: arXiv's feed is dated today and has no items
    const afterEmpty = await source.load("cs.DC");
    expect(requestsFor("cs.DC")).toBe(2);
    expect(afterEmpty.version).toBe(good.version);
    expect(afterEmpty.days).toEqual(good.days);
    expect(afterEmpty.changedAt).toBe(good.changedAt);
    expect(afterEmpty.problem).toBeUndefined();
    // Nothing more will come today: fresh until arXiv's next update.
    expect(afterEmpty.nextCheckAt).toBe(THU_00);
  });

  it("an empty feed still dated an older day is arXiv mid-rebuild: asked again after retrySeconds", async () => {
    const { source, clock } = sourceHarness(server, TUE_10AM);
    server.setAnnounceDate("2026-06-30");
    const good = await source.load("cs.DC");
    clock.set(WED_10AM);
    server.setScenario("cs.DC", "empty");
    server.setAnnounceDate("2026-06-27");
    const afterEmpty = await source.load("cs.DC");
    expect(afterEmpty.version).toBe(good.version);
    expect(afterEmpty.problem).toBeUndefined();
    expect(afterEmpty.nextCheckAt).toBeLessThan(THU_00);
    expect(afterEmpty.nextCheckAt).toBeGreaterThan(WED_10AM);
  });

  it("an empty feed with nothing cached is an empty, problem-free snapshot", async () => {
    const { source } = sourceHarness(server, TUE_10AM);
    server.setScenario("cs.DC", "empty");
    server.setAnnounceDate("2026-06-30");
    const snap = await source.load("cs.DC");
    expect(snap.version).toBeUndefined();
    expect(snap.days).toEqual([]);
    expect(snap.problem).toBeUndefined();
    expect(snap.nextCheckAt).toBe(WED_00);
  });
});

const FAILURES: { scenario: Scenario; reason: string; retryAfterMs?: number }[] = [
  { scenario: "http-503", reason: "overloaded", retryAfterMs: 2000 },
  { scenario: "http-429", reason: "rate-limited", retryAfterMs: 3000 },
  { scenario: "http-500", reason: "http-error" },
  { scenario: "rate-exceeded", reason: "rate-limited" },
  { scenario: "hang", reason: "timeout" },
  { scenario: "truncated", reason: "malformed" },
  { scenario: "malformed", reason: "malformed" },
  { scenario: "no-items-readable", reason: "malformed" },
];

describe("arXiv failures", () => {
  // retrySeconds 1: arXiv's Retry-After (2 s, 3 s) must win over the shorter own back-off.
  const failing = (start: number) => sourceHarness(server, start, { retrySeconds: 1, timeoutMs: 300 });

  it.each(FAILURES)("$scenario after a good fetch keeps the last good papers, reports $reason and backs off", async ({ scenario, reason, retryAfterMs }) => {
    const { source, clock } = failing(TUE_10AM);
    server.setAnnounceDate("2026-06-30");
    const good = await source.load("cs.DC");
    expect(good.version).toBeDefined();

    clock.set(WED_10AM);
    server.setScenario("cs.DC", scenario);
    const bad = await source.load("cs.DC");
    expect(requestsFor("cs.DC")).toBe(2);
    expect(bad.version).toBe(good.version);
    expect(bad.days).toEqual(good.days);
    expect(bad.problem).toBeDefined();
    expect(bad.problem!.reason).toBe(reason);
    expect(bad.problem!.message.length).toBeGreaterThan(0);
    const now = clock.now();
    expect(bad.problem!.since).toBe(now);
    expect(bad.problem!.retryAt).toBeGreaterThan(now);
    expect(bad.problem!.retryAt).toBe(now + Math.max(1000, retryAfterMs ?? 0));

    // Backs off: no new request before retryAt, and the problem is still reported.
    clock.set(bad.problem!.retryAt - 1);
    const meanwhile = await source.load("cs.DC");
    expect(requestsFor("cs.DC")).toBe(2);
    expect(meanwhile.problem?.reason).toBe(reason);
    expect(meanwhile.version).toBe(good.version);

    // At retryAt it asks again; a second failure backs off longer (doubling), still honouring Retry-After.
    clock.set(bad.problem!.retryAt);
    const again = await source.load("cs.DC");
    expect(requestsFor("cs.DC")).toBe(3);
    expect(again.problem!.retryAt - clock.now()).toBe(Math.max(2000, retryAfterMs ?? 0));
    // The run of failures began at the first one: pages say "failing since" that moment.
    expect(again.problem!.since).toBe(now);
    expect(again.version).toBe(good.version);

    // Recovery clears the problem.
    server.setScenario("cs.DC", "ok");
    clock.set(again.problem!.retryAt);
    const recovered = await source.load("cs.DC");
    expect(requestsFor("cs.DC")).toBe(4);
    expect(recovered.problem).toBeUndefined();
    expect(recovered.version).toBeDefined();
  });

  it.each(FAILURES)("$scenario with nothing cached: no version, no papers, a problem, and backs off", async ({ scenario, reason }) => {
    const { source, clock } = failing(TUE_10AM);
    server.setScenario("cs.DC", scenario);
    const snap = await source.load("cs.DC");
    expect(snap.version).toBeUndefined();
    expect(snap.days).toEqual([]);
    expect(snap.problem?.reason).toBe(reason);
    expect(snap.problem!.retryAt).toBeGreaterThan(clock.now());
    await source.load("cs.DC");
    expect(requestsFor("cs.DC")).toBe(1);
  });

  it("the back-off is capped at an hour however many failures", async () => {
    const { source, clock } = sourceHarness(server, TUE_10AM, { retrySeconds: 600, timeoutMs: 300 });
    server.setScenario("cs.DC", "http-500");
    let snap = await source.load("cs.DC");
    for (let i = 0; i < 8; i++) {
      clock.set(snap.problem!.retryAt);
      snap = await source.load("cs.DC");
    }
    expect(requestsFor("cs.DC")).toBe(9);
    expect(snap.problem!.retryAt - clock.now()).toBe(3_600_000);
  });

  it("when arXiv is busy with other categories past maxWaitMs, it serves what it has and says so", async () => {
    const { source, store, clock } = sourceHarness(server, TUE_10AM, { maxWaitMs: 2000, minIntervalMs: 500 });
    await store.set(storeKeys.arxivGate(), "another-instance", { ttlMs: 60_000 });
    const snap = await source.load("cs.DC");
    expect(requestsFor("cs.DC")).toBe(0);
    expect(snap.version).toBeUndefined();
    expect(snap.problem?.reason).toBe("busy");
    expect(snap.problem!.retryAt).toBeGreaterThan(clock.now());
  });
});

describe("unknown categories", () => {
  it("rejects with AppError not_found and does not ask again before the next update", async () => {
    const { source, clock } = sourceHarness(server, TUE_10AM);
    server.setScenario("cs.XX", "unknown");
    const first = source.load("cs.XX");
    await expect(first).rejects.toBeInstanceOf(AppError);
    await expect(first).rejects.toMatchObject({ code: "not_found" });
    expect(requestsFor("cs.XX")).toBe(1);

    clock.set(WED_00 - 1);
    await expect(source.load("cs.XX")).rejects.toMatchObject({ code: "not_found" });
    expect(requestsFor("cs.XX")).toBe(1);

    clock.set(WED_00);
    server.setScenario("cs.XX", "ok"); // arXiv added the category
    const now = await source.load("cs.XX");
    expect(requestsFor("cs.XX")).toBe(2);
    expect(now.problem).toBeUndefined();
  });

  it("a sudden Feed error for a category that served papers is a glitch: last good papers, with a problem", async () => {
    const { source, clock } = sourceHarness(server, TUE_10AM);
    const good = await source.load("cs.DC"); // the fixture's old date: re-checked after retrySeconds
    clock.set(good.nextCheckAt + 1);
    server.setScenario("cs.DC", "unknown");
    const glitch = await source.load("cs.DC");
    expect(requestsFor("cs.DC")).toBe(2);
    expect(glitch.version).toBe(good.version);
    expect(glitch.days).toEqual(good.days);
    expect(glitch.problem?.message).toContain("Bad archive");
    expect(glitch.problem!.retryAt).toBeGreaterThan(clock.now());
  });

  it("concurrent loads of an unknown category all reject, after one request", async () => {
    const { source } = sourceHarness(server, TUE_10AM);
    server.setScenario("cs.XX", "unknown");
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => source.load("cs.XX")));
    expect(results.every((r) => r.status === "rejected" && (r.reason as AppError).code === "not_found")).toBe(true);
    expect(requestsFor("cs.XX")).toBe(1);
  });
});

describe("a store holding anything", () => {
  const corruptStates: [string, unknown][] = [
    ["a string", "not json at all"],
    ["null", null],
    ["a number", 42],
    ["an array", [1, 2, 3]],
    ["wrong field types", { category: "cs.DC", checkedAt: "yesterday", nextCheckAt: "tomorrow", failures: -1 }],
    ["another category's state", { category: "cs.LG", version: "v", checkedAt: 0, nextCheckAt: 9e15, failures: 0 }],
    ["a version whose papers are missing", { category: "cs.DC", version: "nope", checkedAt: 0, nextCheckAt: 9e15, failures: 0 }],
  ];

  it.each(corruptStates)("a category state that is %s is treated as missing: refetch, no crash", async (_name, value) => {
    const { source, store } = sourceHarness(server, TUE_10AM);
    server.setAnnounceDate("2026-06-30");
    await store.set(storeKeys.categoryState("cs.DC"), value);
    const snap = await source.load("cs.DC");
    expect(requestsFor("cs.DC")).toBe(1);
    expect(snap.version).toBeDefined();
    expect(snap.days[0]!.papers).toHaveLength(2);
    expect(snap.problem).toBeUndefined();
  });

  const corruptPapers: [string, unknown][] = [
    ["garbage", { version: "x", days: "nope" }],
    ["a string", "<html>"],
    ["papers missing fields", { version: "SAME", part: 0, days: [{ date: "2026-06-30", papers: [{ id: "1" }] }] }],
  ];

  it.each(corruptPapers)("stored papers that are %s are treated as missing: refetch and serve the papers again", async (_name, value) => {
    const a = sourceHarness(server, TUE_10AM);
    server.setAnnounceDate("2026-06-30");
    const good = await a.source.load("cs.DC");
    const version = good.version!;
    await a.store.set(
      storeKeys.categoryPapers("cs.DC", version, 0),
      value && typeof value === "object" && "version" in value && value.version === "SAME" ? { ...value, version } : value,
    );
    // A new instance (a new process) has no local copy of the papers.
    const b = sourceHarness(server, TUE_10AM, { store: a.store, clock: a.clock });
    const snap = await b.source.load("cs.DC");
    expect(requestsFor("cs.DC")).toBe(2);
    expect(snap.version).toBe(version);
    expect(snap.days).toEqual(good.days);
    // ... and the store is repaired: the next load (any instance) needs no request.
    const c = sourceHarness(server, TUE_10AM, { store: a.store, clock: a.clock });
    await c.source.load("cs.DC");
    await b.source.load("cs.DC");
    expect(requestsFor("cs.DC")).toBe(2);
  });

  it("stored papers that expired while the state still names them are fetched again and served", async () => {
    const a = sourceHarness(server, TUE_10AM);
    server.setAnnounceDate("2026-06-30");
    const good = await a.source.load("cs.DC");
    await a.store.del(storeKeys.categoryPapers("cs.DC", good.version!, 0));
    const b = sourceHarness(server, TUE_10AM, { store: a.store, clock: a.clock });
    const snap = await b.source.load("cs.DC");
    expect(requestsFor("cs.DC")).toBe(2);
    expect(snap.days).toEqual(good.days);
    await b.source.load("cs.DC");
    expect(requestsFor("cs.DC")).toBe(2);
  });

  it("a stale lock key does not stop a later refresh", async () => {
    const { source, store, clock } = sourceHarness(server, TUE_10AM, { maxWaitMs: 1000, timeoutMs: 500 });
    server.setAnnounceDate("2026-06-30");
    await store.set(storeKeys.categoryLock("cs.DC"), 0, { ttlMs: 10_000 });
    const waited = await source.load("cs.DC");
    expect(waited.problem?.reason).toBe("busy");
    clock.advance(10_000);
    const snap = await source.load("cs.DC");
    expect(snap.version).toBeDefined();
    expect(requestsFor("cs.DC")).toBe(1);
  });
});

describe("what arXiv sees", () => {
  it("the User-Agent names arxiv-rss-bot and its version", async () => {
    const clock = fakeClock(TUE_10AM);
    const { source } = sourceHarness(server, TUE_10AM, {
      clock,
      userAgent: `${USER_AGENT_PRODUCT} (+https://example.org; one request per 3 s)`,
    });
    await source.load("cs.DC");
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.userAgent).toMatch(/^arxiv-rss-bot\/\d+\.\d+\.\d+ \(\+https:\/\/example\.org/);
  });

  it("asks for the category's own feed URL", async () => {
    const { source } = sourceHarness(server, TUE_10AM);
    await source.load("cs.DC");
    expect(server.requests.map((r) => r.path)).toEqual(["/rss/cs.DC"]);
  });
});
