// The deployment's own categories first, arXiv's "slow down" for everyone, readers never kept waiting by
// arXiv, a bounded budget for strangers' categories, and a store whose damage is repaired, not served.
// Real HTTP (the fixture server, stub servers), fake clocks where the schedule matters.
import { describe, expect, it } from "vitest";
import { arxivAnswered, currentArxivPause, MAX_ARXIV_PAUSE_MS, pauseArxiv, withArxivTurn, type PoliteDeps } from "../../lib/arxiv/polite";
import { expectedAnnouncementDate } from "../../lib/arxiv/schedule";
import { storeKeys } from "../../lib/store/keys";
import { MemoryStore } from "../../lib/store/memory";
import type { Store } from "../../lib/store/types";
import { startArxivFixtureServer } from "../servers/arxiv-fixture-server";
import { realSleep, serverForTests, sourceHarness, startStubServer, TUE_10AM } from "../helpers/io";

const server = serverForTests(startArxivFixtureServer);
const stub = serverForTests(startStubServer);
const requestsFor = (category: string) => server.requests.filter((r) => r.category === category).length;

describe("the arXiv gate: configured categories first", () => {
  function polite(store: MemoryStore, intervalMs = 40): PoliteDeps {
    return { store, now: Date.now, sleep: realSleep, intervalMs, requestTimeoutMs: 2000 };
  }

  it("a priority caller that arrives last still goes before every waiting caller without priority", async () => {
    const store = new MemoryStore();
    const order: string[] = [];
    const deadline = Date.now() + 20_000;
    const run = (name: string, priority: boolean) =>
      withArxivTurn(polite(store), deadline, async () => void order.push(name), { priority });
    // One request in flight, strangers queued behind it, then the deployment's own category arrives.
    const first = run("first", false);
    await realSleep(5);
    const strangers = Array.from({ length: 6 }, (_, i) => run(`stranger-${i}`, false));
    await realSleep(20);
    const own = run("own", true);
    await Promise.all([first, own, ...strangers]);
    expect(order[0]).toBe("first");
    expect(order[1]).toBe("own");
    expect(order).toHaveLength(8);
  });

  it("several priority callers all go before the strangers", async () => {
    const store = new MemoryStore();
    const order: string[] = [];
    const deadline = Date.now() + 20_000;
    const run = (name: string, priority: boolean) =>
      withArxivTurn(polite(store), deadline, async () => void order.push(name), { priority });
    const first = run("first", false);
    await realSleep(5);
    const strangers = Array.from({ length: 4 }, (_, i) => run(`stranger-${i}`, false));
    await realSleep(20);
    const own = ["own-a", "own-b", "own-c"].map((n) => run(n, true));
    await Promise.all([first, ...own, ...strangers]);
    expect(order.slice(1, 4).sort()).toEqual(["own-a", "own-b", "own-c"]);
  });
});

describe("arXiv as a whole backs off", () => {
  it("a pause stops every caller until it ends, and is capped at two hours", async () => {
    let now = 1_000_000;
    const store = new MemoryStore(() => now);
    const deps: PoliteDeps = { store, now: () => now, sleep: async () => undefined, intervalMs: 0, requestTimeoutMs: 1000 };
    const pause = await pauseArxiv(deps, { askedMs: 10 * 3_600_000, baseMs: 1000, message: "HTTP 429" });
    expect(pause.until).toBe(now + MAX_ARXIV_PAUSE_MS);
    let ran = false;
    const turn = await withArxivTurn(deps, now + 60_000, async () => (ran = true), { priority: true });
    expect(turn).toEqual({ ran: false, reason: "paused", until: now + MAX_ARXIV_PAUSE_MS, message: "HTTP 429" });
    expect(ran).toBe(false);
    now += MAX_ARXIV_PAUSE_MS;
    expect((await withArxivTurn(deps, now + 60_000, async () => "asked")).ran).toBe(true);
  });

  it("\"slow down\"s in a row double the pause, whatever category they came on; a good answer resets it", async () => {
    let now = 1_000_000;
    const store = new MemoryStore(() => now);
    const deps = { store, now: () => now };
    // Another instance: the same store seen through another object, so it knows only what the store says.
    const shared: Store = {
      get: (k) => store.get(k),
      getMany: (k) => store.getMany(k),
      set: (k, v, o) => store.set(k, v, o),
      del: (k) => store.del(k),
      delIfEquals: (k, t) => store.delIfEquals(k, t),
      expireIfEquals: (k, t, ms) => store.expireIfEquals(k, t, ms),
      incr: (k, ms) => store.incr(k, ms),
    };
    const other = { store: shared, now: () => now };
    const bare = { askedMs: 0, baseMs: 1000, message: "HTTP 503" };
    const lengths: number[] = [];
    for (let i = 0; i < 4; i++) {
      const pause = await pauseArxiv(i % 2 ? other : deps, bare);
      lengths.push(pause.until - now);
      now = pause.until + 10;
      expect(await currentArxivPause(deps)).toBeUndefined();
    }
    expect(lengths).toEqual([1000, 2000, 4000, 8000]);
    // A Retry-After longer than the backoff wins.
    expect((await pauseArxiv(deps, { ...bare, askedMs: 60_000 })).until - now).toBe(60_000);
    now += 60_010;
    await arxivAnswered(deps);
    expect((await pauseArxiv(other, bare)).until - now).toBe(1000);
    // Strikes are forgotten a pause's length after it ends, even without a good answer.
    now += 1000 + 1000 + 1;
    expect((await pauseArxiv(deps, bare)).until - now).toBe(1000);
    // And never beyond two hours.
    for (let i = 0; i < 30; i++) await pauseArxiv(deps, bare);
    expect((await currentArxivPause(deps))!.until - now).toBe(MAX_ARXIV_PAUSE_MS);
  });

  it("another instance learns of a pause from the store; a stored pause past the cap is read as the cap", async () => {
    const now = 5_000_000;
    const store = new MemoryStore(() => now);
    await store.set(storeKeys.arxivPause(), { until: now + 99 * 3_600_000, message: "written by a buggy instance" });
    const pause = await currentArxivPause({ store, now: () => now });
    expect(pause?.until).toBe(now + MAX_ARXIV_PAUSE_MS);
    await store.set(storeKeys.arxivPause(), { until: "soon" });
    expect(await currentArxivPause({ store: new MemoryStore(() => now), now: () => now })).toBeUndefined();
  });

  it.each([
    ["HTTP 429 with Retry-After", "http-429", 3000],
    ["HTTP 503 with Retry-After", "http-503", 2000],
    ['"Rate exceeded."', "rate-exceeded", 1000],
  ] as const)("%s on one category pauses the others: no request for them until it has passed", async (_name, scenario, pauseMs) => {
    const { source, clock } = sourceHarness(server, TUE_10AM, { retrySeconds: 1 });
    server.setScenario("cs.DC", scenario);
    const limited = await source.load("cs.DC");
    expect(limited.problem?.retryAt).toBe(TUE_10AM + pauseMs);
    const other = await source.load("cs.AI");
    expect(requestsFor("cs.AI")).toBe(0);
    expect(other.problem).toMatchObject({ reason: "paused", retryAt: TUE_10AM + pauseMs });
    expect(other.problem!.message).toMatch(/^arXiv asked to slow down/);
    // Health shows it (source.pause()).
    expect(await source.pause()).toEqual({ until: new Date(TUE_10AM + pauseMs).toISOString(), message: expect.stringMatching(/\S/) });
    clock.set(TUE_10AM + pauseMs);
    const later = await source.load("cs.AI");
    expect(requestsFor("cs.AI")).toBe(1);
    expect(later.problem).toBeUndefined();
    expect(await source.pause()).toBeUndefined();
  });

  it("HTTP 500 is arXiv's fault, not a request to slow down: other categories go on", async () => {
    const { source } = sourceHarness(server, TUE_10AM, { retrySeconds: 1 });
    server.setScenario("cs.DC", "http-500");
    await source.load("cs.DC");
    await source.load("cs.AI");
    expect(requestsFor("cs.AI")).toBe(1);
  });

  it("a Retry-After of a day pauses two hours, not a day", async () => {
    stub.handle((_req, res) => void res.writeHead(429, { "Retry-After": "86400" }).end("Too Many Requests"));
    const { source, clock } = sourceHarness({ rssUrl: `${stub.url}/rss` }, TUE_10AM);
    const snap = await source.load("cs.DC");
    expect(snap.problem!.retryAt - clock.now()).toBe(MAX_ARXIV_PAUSE_MS);
  });
});

describe("a reader with papers cached never waits on arXiv", () => {
  it("a due refresh that has not answered within staleWaitMs: the cached papers at once, the refresh in the background", async () => {
    const background: Promise<unknown>[] = [];
    const { source, clock } = sourceHarness(server, TUE_10AM, { staleWaitMs: 150, timeoutMs: 1500 });
    const good = await source.load("cs.DC"); // the fixtures' old date: due again after retrySeconds
    clock.set(good.nextCheckAt);
    server.setScenario("cs.DC", "hang");
    const started = Date.now();
    const stale = await source.load("cs.DC", { background: (task) => background.push(task) });
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(140);
    expect(waited).toBeLessThan(1000);
    expect(stale.version).toBe(good.version);
    expect(stale.days).toEqual(good.days);
    expect(stale.problem).toMatchObject({ reason: "refreshing" });
    expect(background).toHaveLength(1);
    // Readers meanwhile join the same refresh: still one request.
    await source.load("cs.DC", { background: (task) => background.push(task) });
    expect(requestsFor("cs.DC")).toBe(2);
    await Promise.all(background);
    const after = await source.load("cs.DC");
    expect(after.problem).toMatchObject({ reason: "timeout" });
    expect(after.days).toEqual(good.days);
  });

  it("the cron waits for the refresh however long it takes", async () => {
    const { source, clock } = sourceHarness(server, TUE_10AM, { staleWaitMs: 50, timeoutMs: 600 });
    const good = await source.load("cs.DC");
    clock.set(good.nextCheckAt);
    server.setScenario("cs.DC", "hang");
    const snap = await source.load("cs.DC", { waitForRefresh: true });
    expect(snap.problem).toMatchObject({ reason: "timeout" });
  });

  it("with nothing cached a reader waits for arXiv as before", async () => {
    const { source } = sourceHarness(server, TUE_10AM, { staleWaitMs: 10, timeoutMs: 2000 });
    server.setAnnounceDate(expectedAnnouncementDate(TUE_10AM));
    const snap = await source.load("cs.DC");
    expect(snap.version).toBeDefined();
    expect(snap.problem).toBeUndefined();
  });
});

describe("other categories: a budget across instances, a bounded footprint", () => {
  const configured = ["cs.AI"];

  it("past the hourly budget an uncached other category is refused without asking arXiv; configured ones go on", async () => {
    const { source, clock, deps } = sourceHarness(server, TUE_10AM, { configured, otherFetchesPerHour: 2 });
    await source.load("cs.CL");
    await source.load("cs.CV");
    const refused = await source.load("cs.DC");
    expect(requestsFor("cs.DC")).toBe(0);
    expect(refused.version).toBeUndefined();
    expect(refused.problem).toMatchObject({ reason: "budget", retryAt: Date.parse("2026-06-30T15:00:00Z") });
    // Another instance on the same store sees the same budget.
    const other = sourceHarness(server, TUE_10AM, { configured, otherFetchesPerHour: 2, store: deps.store, clock });
    expect((await other.source.load("cs.LG")).problem?.reason).toBe("budget");
    expect(requestsFor("cs.LG")).toBe(0);
    // The deployment's own category is never refused.
    expect((await source.load("cs.AI")).problem).toBeUndefined();
    expect(requestsFor("cs.AI")).toBe(1);
    // A new hour, a new budget.
    clock.set(Date.parse("2026-06-30T15:00:00Z"));
    expect((await source.load("cs.DC")).version).toBeDefined();
  });

  it("a budget of 0 never asks arXiv for another category", async () => {
    const { source } = sourceHarness(server, TUE_10AM, { configured, otherFetchesPerHour: 0 });
    expect((await source.load("cs.DC")).problem?.reason).toBe("not-configured");
    expect(server.requests).toHaveLength(0);
  });

  it("another category's papers and state expire from the store after days; a configured one's are kept", async () => {
    const { source, clock, store } = sourceHarness(server, TUE_10AM, { configured });
    await source.load("cs.AI");
    await source.load("cs.DC");
    clock.set(TUE_10AM + 3 * 86_400_000 + 1);
    expect(await store.get(storeKeys.categoryState("cs.DC"))).toBeUndefined();
    expect(await store.get(storeKeys.categoryState("cs.AI"))).toBeDefined();
  });

  it("a process keeps few other categories in memory, and every configured one", async () => {
    const reads: string[] = [];
    const inner = new MemoryStore(() => TUE_10AM);
    const counting: Store = new Proxy(inner, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver) as unknown;
        if (key === "get" || key === "getMany") {
          return (arg: string | string[]) => (reads.push(...([] as string[]).concat(arg)), (value as (a: unknown) => unknown).call(target, arg));
        }
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    server.setAnnounceDate(expectedAnnouncementDate(TUE_10AM));
    const { source } = sourceHarness(server, TUE_10AM, { configured, store: counting });
    await source.load("cs.AI");
    const others = ["cs.CL", "cs.CV", "cs.DC", "cs.LG", "cs.RO", "cs.SE", "cs.CR", "cs.NI", "cs.IR", "cs.HC", "cs.PL", "cs.DS", "cs.GT", "cs.MA", "cs.NE", "cs.OS", "cs.SY", "cs.SD"];
    for (const c of others) await source.load(c);
    reads.length = 0;
    await source.load("cs.AI");
    expect(reads).toEqual([]);
    await source.load(others[0]!);
    expect(reads.some((k) => k.includes(others[0]!))).toBe(true);
  });
});

describe("a store whose values are damaged", () => {
  it("a corrupt state is rewritten from what the process knew, without asking arXiv, and reported", async () => {
    const corrupt: string[] = [];
    server.setAnnounceDate(expectedAnnouncementDate(TUE_10AM));
    const { source, store, clock } = sourceHarness(server, TUE_10AM, { onCorruptRead: (key) => corrupt.push(key) });
    const good = await source.load("cs.DC");
    await store.set(storeKeys.categoryState("cs.DC"), { category: "cs.DC", version: 42 });
    clock.advance(11 * 60_000); // past the in-process copy's trust window, before the next update
    const snap = await source.load("cs.DC");
    expect(requestsFor("cs.DC")).toBe(1);
    expect(snap.days).toEqual(good.days);
    expect(corrupt).toEqual([storeKeys.categoryState("cs.DC")]);
    expect(await store.get(storeKeys.categoryState("cs.DC"))).toMatchObject({ category: "cs.DC", version: good.version });
  });

  it("corrupt papers are reported and fetched again", async () => {
    const corrupt: string[] = [];
    server.setAnnounceDate(expectedAnnouncementDate(TUE_10AM));
    const a = sourceHarness(server, TUE_10AM);
    const good = await a.source.load("cs.DC");
    await a.store.set(storeKeys.categoryPapers("cs.DC", good.version!, 0), { version: good.version, part: 0, days: "garbage" });
    const b = sourceHarness(server, TUE_10AM, { store: a.store, clock: a.clock, onCorruptRead: (key) => corrupt.push(key) });
    const snap = await b.source.load("cs.DC");
    expect(snap.days).toEqual(good.days);
    expect(corrupt).toEqual([storeKeys.categoryPapers("cs.DC", good.version!, 0)]);
    expect(requestsFor("cs.DC")).toBe(2);
  });

  it("a large category is stored in parts that another instance reads back whole", async () => {
    server.setAnnounceDate(expectedAnnouncementDate(TUE_10AM));
    const a = sourceHarness(server, TUE_10AM);
    const good = await a.source.load("cs.CV");
    const state = (await a.store.get(storeKeys.categoryState("cs.CV"))) as { parts: number };
    expect(state.parts).toBeGreaterThan(1);
    for (let i = 0; i < state.parts; i++) {
      const part = await a.store.get(storeKeys.categoryPapers("cs.CV", good.version!, i));
      expect(JSON.stringify(part).length).toBeLessThanOrEqual(512 * 1024 + 1024);
    }
    const b = sourceHarness(server, TUE_10AM, { store: a.store, clock: a.clock });
    expect((await b.source.load("cs.CV")).days).toEqual(good.days);
    expect(requestsFor("cs.CV")).toBe(1);
  });
});
