// arXiv misbehaving, against `next start` and a real local stand-in for rss.arxiv.org (upstream.test.ts has
// the plain HTTP failures; these are the rest): a refused port, resets, a trickle, HTML, a 50 MB body,
// too many items, another category's feed, yesterday's batch, an empty weekday; a reader with papers
// cached never waiting on a slow arXiv; rate limits pausing arXiv as a whole, across instances; the
// configured categories ahead of everyone else's. Every time: the last good papers with a warning, or a
// 503 with Retry-After; never a 500, never a stack trace; arXiv never asked faster than
// ARXIV_MIN_INTERVAL_MS, even while it fails (the stand-in's request timestamps say so).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalCategory } from "../../lib/arxiv/categories";
import { expectedAnnouncementDate } from "../../lib/arxiv/schedule";
import { getConfig } from "../../lib/config";
import {
  HUGE_BODY_BYTES,
  previousWeekday,
  startArxivFixtureServer,
  type ArxivFixtureServer,
  type RecordedRequest,
  type Scenario,
} from "../servers/arxiv-fixture-server";
import { hasRedisServer, startRedisServer, startUpstashShim, type RedisServer, type UpstashShim } from "../servers/upstash-kv";
import {
  expectPolite,
  ids,
  internalErrors,
  jsonItems,
  request,
  rssRequests,
  sleep,
  startQuietApp,
  waitFor,
  type Answer,
} from "../helpers/faults";
import type { AppProcess } from "./app-process";
import { REQUIRE_INTEGRATION } from "./components";

const CONFIGURED = getConfig().categories;
const MB = 1024 * 1024;

/** The arXiv stand-in's RSS requests for one category. */
const asked = (fx: ArxivFixtureServer, category: string) => fx.requests.filter((r) => r.path.startsWith("/rss/") && r.category === category);
const lastRequest = (fx: ArxivFixtureServer, category: string): RecordedRequest => asked(fx, category).at(-1)!;

/** Sets the category back to its good fixture and waits for a clean fetch of it: its papers' ids. */
async function goodBatch(app: AppProcess, fx: ArxivFixtureServer, category: string): Promise<string[]> {
  fx.setScenario(category, "ok");
  const answer = await waitFor(
    `a clean fetch of ${category}`,
    async () => {
      const a = await request(app.url, `/json/${category}`);
      return a.status === 200 && !a.headers.get("x-feed-warning") ? a : undefined;
    },
    { timeoutMs: 20_000, everyMs: 250 },
  );
  const list = ids(answer);
  expect(list.length).toBeGreaterThan(0);
  return list;
}

const warningOf = (answer: Answer) => answer.headers.get("x-feed-warning") ?? "(no X-Feed-Warning)";

/** The answer of a feed that kept its last good papers: 200, a warning, caches told to come back soon. */
function expectLastGood(answer: Answer, category: string, good: string[]): void {
  expect(answer.status, answer.text.slice(0, 300)).toBe(200);
  expect(warningOf(answer)).toMatch(new RegExp(`^${category.replace(".", "\\.")}: `));
  expect(answer.headers.get("cache-control")).toMatch(/\bs-maxage=60\b/);
  expect(ids(answer)).toEqual(good);
}

function expectUnavailable(answer: Answer): void {
  expect(answer.status, answer.text.slice(0, 300)).toBe(503);
  expect(Number(answer.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  expect(answer.headers.get("cache-control")).toBe("no-store");
  expect(answer.text).toMatch(/^503 Service Unavailable: /);
}

describe("arXiv faults, with short timeouts", () => {
  const INTERVAL_MS = 200;
  let fx: ArxivFixtureServer;
  let app: AppProcess;
  const hugeRecords: { scenario: Scenario; record: RecordedRequest }[] = [];

  beforeAll(async () => {
    // No announceDate: the fixtures keep their old day, so the app asks again ARXIV_RETRY_SECONDS after
    // each fetch, and a fault set now is met by the next reader after that.
    fx = await startArxivFixtureServer();
    app = await startQuietApp({
      ARXIV_RSS_URL: fx.rssUrl,
      ARXIV_MIN_INTERVAL_MS: String(INTERVAL_MS),
      ARXIV_TIMEOUT_MS: "700",
      ARXIV_MAX_WAIT_MS: "3000",
      ARXIV_RETRY_SECONDS: "1",
      // This block is not about the budget of unconfigured categories (see "configured categories first").
      ARXIV_OTHER_FETCHES_PER_HOUR: "1000",
    });
  });

  afterAll(async () => {
    await app?.stop();
    await fx?.close();
  });

  // Unconfigured categories without a day fixture, one per fault: nothing is cached for any of them.
  const NO_CACHE: [Scenario, string][] = [
    ["reset-headers", "cs.AR"],
    ["reset-body", "cs.CC"],
    ["trickle", "cs.CE"],
    ["html", "cs.CG"],
    ["huge-length", "cs.CY"],
    ["huge-chunked", "cs.DB"],
    ["items-2001", "cs.DL"],
    ["wrong-category", "cs.DM"],
  ];

  describe("and nothing cached", () => {
    it.each(NO_CACHE)("%s → 503 with Retry-After (%s)", async (scenario, category) => {
      fx.setScenario(category, scenario);
      const answer = await request(app.url, `/rss/${category}`);
      if (scenario.startsWith("huge-")) hugeRecords.push({ scenario, record: lastRequest(fx, category) });
      expectUnavailable(answer);
      expect(answer.text).toMatch(/arXiv is unavailable/);
      expect(asked(fx, category)).toHaveLength(1);
    });

    it("refused (nothing listens) → 503 with Retry-After, and the home page still answers", async () => {
      await fx.setRefusing(true);
      try {
        const answer = await request(app.url, "/rss/cs.FL");
        expectUnavailable(answer);
        expect(answer.text).toContain("arXiv could not be reached");
        expect((await request(app.url, "/")).status).toBe(200);
      } finally {
        await fx.setRefusing(false);
      }
    });

    it("yesterday's batch → served as it is (all there is), and arXiv asked again after ARXIV_RETRY_SECONDS until today's comes", async () => {
      // cs.CV has a day fixture; "stale" serves it dated the weekday before.
      fx.setScenario("cs.CV", "stale");
      const first = await request(app.url, "/json/cs.CV");
      expect(first.status).toBe(200);
      const yesterday = previousWeekday("2026-06-30");
      expect(jsonItems(first).length).toBeGreaterThan(0);
      expect(jsonItems(first).every((i) => i._arxiv.announced === yesterday)).toBe(true);

      fx.setScenario("cs.CV", "ok");
      const today = await waitFor(
        "today's cs.CV batch",
        async () => {
          const a = await request(app.url, "/json/cs.CV");
          return jsonItems(a)[0]?._arxiv.announced === "2026-06-30" ? a : undefined;
        },
        { timeoutMs: 10_000, everyMs: 250 },
      );
      expect(today.status).toBe(200);
      expect(asked(fx, "cs.CV").length).toBeGreaterThanOrEqual(2);
    });

    it("an empty channel on a weekday → an empty feed or a 503, never a 500", async () => {
      fx.setScenario("cs.ET", "empty-weekday");
      const answer = await request(app.url, "/json/cs.ET");
      expect([200, 503]).toContain(answer.status);
      if (answer.status === 200) expect(jsonItems(answer)).toEqual([]);
    });
  });

  describe("after a good fetch", () => {
    const WITH_CACHE: Scenario[] = [
      "reset-headers",
      "reset-body",
      "trickle",
      "html",
      "huge-length",
      "huge-chunked",
      "items-2001",
      "wrong-category",
    ];

    it.each(WITH_CACHE)("%s → 200 with the last good papers and a warning", async (scenario) => {
      const good = await goodBatch(app, fx, "cs.AI");
      fx.setScenario("cs.AI", scenario);
      await sleep(1100); // the good batch is due again ARXIV_RETRY_SECONDS (1 s) after its fetch
      const before = asked(fx, "cs.AI").length;
      const answer = await request(app.url, "/json/cs.AI");
      expect(asked(fx, "cs.AI")).toHaveLength(before + 1);
      if (scenario.startsWith("huge-")) hugeRecords.push({ scenario, record: lastRequest(fx, "cs.AI") });
      expectLastGood(answer, "cs.AI", good);
      expect(answer.text).not.toContain("Synthetic paper"); // items-2001's
    });

    it("items-2000 (arXiv's own cap) is a feed like any other", async () => {
      fx.setScenario("cs.GR", "items-2000");
      const answer = await request(app.url, "/json/cs.GR");
      expect(answer.status).toBe(200);
      expect(answer.headers.get("x-feed-warning")).toBeNull();
      expect(jsonItems(answer).length).toBeGreaterThan(0);
    });

    it("a 50 MB body is not read past the 8 MB cap, nor at all when Content-Length says 50 MB", () => {
      expect(hugeRecords.map((h) => h.scenario).sort()).toEqual(["huge-chunked", "huge-chunked", "huge-length", "huge-length"]);
      const sent = hugeRecords.map(({ scenario, record }) => `${scenario} ${(record.bytesSent! / MB).toFixed(1)} MB`).join(", ");
      for (const { scenario, record } of hugeRecords) {
        expect(record.endedAt, `${scenario}: the app let go of the body`).toBeDefined();
        // The stand-in sends 1 MB every 20 ms and the app keeps up, so what was sent is about what the
        // app read. With Content-Length the size is known before the body: a MB or two were on their way.
        // Chunked, 8 MB and what was in flight.
        const bound = scenario === "huge-length" ? 3 * MB : 11 * MB;
        expect(record.bytesSent!, `${scenario}, of ${HUGE_BODY_BYTES / MB} MB (sent: ${sent})`).toBeLessThan(bound);
      }
    });

    it("refused → the last good papers with a warning, recovery when arXiv listens again", async () => {
      const good = await goodBatch(app, fx, "cs.CL");
      await fx.setRefusing(true);
      try {
        await sleep(1100);
        const answer = await request(app.url, "/json/cs.CL");
        expectLastGood(answer, "cs.CL", good);
        expect(answer.headers.get("x-feed-warning")).toContain("could not be reached");
        // Readers keep polling cached and uncached categories meanwhile: all answered, none with a 500.
        const cats = ["cs.CL", "cs.IT", "cs.LO", "cs.MM"];
        const until = Date.now() + 2000;
        for (let i = 0; Date.now() < until; i++) {
          const next = await request(app.url, `/rss/${cats[i % cats.length]}`);
          expect(next.status).toBe(i % cats.length === 0 ? 200 : 503);
        }
      } finally {
        await fx.setRefusing(false);
      }
      expect(await goodBatch(app, fx, "cs.CL")).toEqual(good);
    });

    it("yesterday's batch served again → today's papers stay on top", async () => {
      const good = await goodBatch(app, fx, "cs.LG");
      fx.setScenario("cs.LG", "stale");
      await sleep(1100);
      const before = asked(fx, "cs.LG").length;
      const answer = await request(app.url, "/json/cs.LG");
      expect(asked(fx, "cs.LG")).toHaveLength(before + 1);
      expect(answer.status).toBe(200);
      expect(ids(answer)).toEqual(good);
      expect(jsonItems(answer)[0]!._arxiv.announced).toBe("2026-06-30");
    });

    it("an empty channel on a weekday → the last good papers", async () => {
      const good = await goodBatch(app, fx, "cs.DC");
      fx.setScenario("cs.DC", "empty-weekday");
      await sleep(1100);
      const before = asked(fx, "cs.DC").length;
      const answer = await request(app.url, "/json/cs.DC");
      expect(asked(fx, "cs.DC")).toHaveLength(before + 1);
      expect(answer.status).toBe(200);
      expect(ids(answer)).toEqual(good);
    });

    it('"Feed error" for a category that had papers → the last good papers, asked again after ARXIV_RETRY_SECONDS, not a 404', async () => {
      const good = await goodBatch(app, fx, "cs.LG");
      fx.setScenario("cs.LG", "unknown");
      await sleep(1100);
      const first = await request(app.url, "/json/cs.LG");
      expectLastGood(first, "cs.LG", good);
      const before = asked(fx, "cs.LG").length;
      // Asked again once its backoff (ARXIV_RETRY_SECONDS for a first failure) has passed, not tomorrow.
      const again = await waitFor(
        "cs.LG asked again",
        async () => {
          const a = await request(app.url, "/json/cs.LG");
          return asked(fx, "cs.LG").length > before ? a : undefined;
        },
        { timeoutMs: 5000, everyMs: 200 },
      );
      expect(again.status).toBe(200);
      expect(ids(again)).toEqual(good);
      expect(await goodBatch(app, fx, "cs.LG")).toEqual(good);
    });
  });

  it("never asked arXiv faster than ARXIV_MIN_INTERVAL_MS, nor two things at once", () => {
    expect(rssRequests(fx.requests).length).toBeGreaterThan(30);
    expect(fx.maxConcurrent).toBe(1);
    expectPolite(fx.requests, INTERVAL_MS);
  });

  it("answered nothing with a 500", () => {
    expect(internalErrors(app)).toEqual([]);
  });
});

describe("a reader with papers cached never waits on a slow arXiv", () => {
  // A long arXiv timeout, so that only ARXIV_STALE_WAIT_MS can explain a quick answer.
  const TIMEOUT_MS = 5000;
  let fx: ArxivFixtureServer;
  let app: AppProcess;

  beforeAll(async () => {
    fx = await startArxivFixtureServer();
    app = await startQuietApp({
      ARXIV_RSS_URL: fx.rssUrl,
      ARXIV_MIN_INTERVAL_MS: "100",
      ARXIV_TIMEOUT_MS: String(TIMEOUT_MS),
      ARXIV_MAX_WAIT_MS: "8000",
      ARXIV_RETRY_SECONDS: "1",
      ARXIV_STALE_WAIT_MS: "1000",
    });
  });

  afterAll(async () => {
    await app?.stop();
    await fx?.close();
  });

  it.each([
    ["hang", "cs.AI"],
    ["trickle", "cs.CL"],
  ] as [Scenario, string][])("%s → the cached papers within ARXIV_STALE_WAIT_MS, the refresh going on behind (%s)", async (scenario, category) => {
    const good = await goodBatch(app, fx, category);
    fx.setScenario(category, scenario);
    await sleep(1100);
    const before = asked(fx, category).length;
    const answer = await request(app.url, `/json/${category}`);
    expect(answer.ms, "the reader waited on arXiv").toBeLessThan(2000);
    expectLastGood(answer, category, good);
    // More readers meanwhile: as quick, and none starts a second request to arXiv.
    for (let i = 0; i < 3; i++) {
      const next = await request(app.url, `/json/${category}`);
      expect(next.ms).toBeLessThan(2000);
      expect(next.status).toBe(200);
      expect(ids(next)).toEqual(good);
    }
    expect(asked(fx, category)).toHaveLength(before + 1);
    // The refresh was not given up when the reader got its answer: it ran to the app's own timeout.
    const slow = asked(fx, category)[before]!;
    await waitFor("the slow request to end", () => slow.endedAt !== undefined, { timeoutMs: TIMEOUT_MS + 3000 });
    expect(slow.endedAt! - slow.startedAt).toBeGreaterThanOrEqual(TIMEOUT_MS - 500);
    expect(await goodBatch(app, fx, category)).toEqual(good);
  });

  it("hang with nothing cached → 503 with Retry-After once the arXiv timeout has passed", async () => {
    fx.setScenario("cs.MA", "hang");
    const answer = await request(app.url, "/rss/cs.MA");
    expectUnavailable(answer);
    expect(answer.ms).toBeLessThan(TIMEOUT_MS + 3000);
  });

  it("stayed polite and never answered a 500", () => {
    expectPolite(fx.requests, 100);
    expect(internalErrors(app)).toEqual([]);
  });
});

const describeKv = hasRedisServer() ? describe : describe.skip;
if (!hasRedisServer()) {
  if (REQUIRE_INTEGRATION) throw new Error("REQUIRE_INTEGRATION=1 but redis-server is not installed (apt-get install redis-server)");
  console.warn("\n!!! redis-server is not installed (apt-get install redis-server): arXiv's rate-limit tests across instances are SKIPPED !!!\n");
}

describeKv("arXiv's rate limits pause every arXiv request, of every category, on every instance", () => {
  const INTERVAL_MS = 100;
  let fx: ArxivFixtureServer;
  let redis: RedisServer;
  let kv: UpstashShim;
  let a: AppProcess;
  let b: AppProcess;

  beforeAll(async () => {
    // Today's date: a good fetch holds until arXiv's next update, so only the faults set here ask arXiv.
    fx = await startArxivFixtureServer({ announceDate: expectedAnnouncementDate(Date.now()) });
    redis = await startRedisServer();
    kv = await startUpstashShim(redis.url);
    const env = {
      ARXIV_RSS_URL: fx.rssUrl,
      ARXIV_MIN_INTERVAL_MS: String(INTERVAL_MS),
      ARXIV_TIMEOUT_MS: "700",
      ARXIV_MAX_WAIT_MS: "3000",
      ARXIV_RETRY_SECONDS: "1",
      ARXIV_OTHER_FETCHES_PER_HOUR: "1000",
      KV_REST_API_URL: kv.url,
      KV_REST_API_TOKEN: kv.token,
      KV_TIMEOUT_MS: "1000",
    };
    [a, b] = await Promise.all([startQuietApp(env), startQuietApp(env)]);
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await kv?.close();
    await redis?.stop();
    await fx?.close();
  });

  /** Every RSS request the stand-in got that started in [from, to). */
  const between = (from: number, to: number) => rssRequests(fx.requests).filter((r) => r.startedAt >= from && r.startedAt < to);

  it("a 429 with Retry-After on one category: the other instance asks arXiv nothing until it has passed", async () => {
    expect((await request(a.url, "/json/cs.AI")).status).toBe(200);
    // cs.DC's batch is yesterday's: it is due again every ARXIV_RETRY_SECONDS.
    fx.setScenario("cs.DC", "stale");
    const dc = ids(await request(a.url, "/json/cs.DC"));
    expect(dc.length).toBeGreaterThan(0);

    fx.setScenario("cs.CL", "http-429"); // Retry-After: 3
    expectUnavailable(await request(a.url, "/rss/cs.CL"));
    const limited = lastRequest(fx, "cs.CL");
    const pauseEnd = limited.endedAt! + 3000;
    await sleep(1100); // cs.DC is due now

    // Instance B, nothing asked of it before: cs.DC from KV with a warning, cs.LG (never fetched) a 503
    // whose Retry-After covers the rest of the pause.
    const cached = await request(b.url, "/json/cs.DC");
    expect(cached.status).toBe(200);
    expect(ids(cached)).toEqual(dc);
    expect(warningOf(cached)).toMatch(/^cs\.DC: /);
    const uncached = await request(b.url, "/rss/cs.LG");
    const answeredAt = Date.now();
    expectUnavailable(uncached);
    expect(Number(uncached.headers.get("retry-after")) * 1000).toBeGreaterThanOrEqual(pauseEnd - answeredAt - 50);
    expect(Number(uncached.headers.get("retry-after"))).toBeLessThanOrEqual(4);
    expect(between(limited.startedAt + 1, pauseEnd - 50)).toEqual([]);

    // Then arXiv is asked again, and cs.LG is served.
    fx.setScenario("cs.CL", "ok");
    const served = await waitFor(
      "cs.LG after the pause",
      async () => {
        const r = await request(b.url, "/json/cs.LG");
        return r.status === 200 ? r : undefined;
      },
      { timeoutMs: 10_000, everyMs: 200 },
    );
    expect(jsonItems(served).length).toBeGreaterThan(0);
    expect(asked(fx, "cs.LG")[0]!.startedAt).toBeGreaterThanOrEqual(pauseEnd - 50);
  });

  it("a 503 without Retry-After: arXiv paused for ARXIV_RETRY_SECONDS, doubling, whatever readers ask for", async () => {
    fx.setScenario("*", "http-503-bare");
    fx.setScenario("cs.DC", "http-503-bare");
    const started = Date.now();
    const cats = ["cs.CV", "cs.RO", "cs.SE", "cs.MA", "cs.DC", "cs.AI"];
    const answers: Answer[] = [];
    // Readers on both instances, every 100 ms, across categories cached and not, for 8.5 s.
    for (let i = 0; Date.now() - started < 8500; i++) {
      answers.push(await request((i % 2 ? b : a).url, `/rss/${cats[i % cats.length]}`));
      await sleep(100);
    }
    const failed = between(started, Date.now());
    expect(failed.length, failed.map((r) => r.category).join(", ")).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < Math.min(failed.length, 4); i++) {
      const gap = failed[i]!.startedAt - failed[i - 1]!.endedAt!;
      const pause = 1000 * 2 ** (i - 1);
      expect(gap, `pause ${i} after a bare 503 (then ${failed[i]!.category})`).toBeGreaterThanOrEqual(pause - 50);
      expect(gap, `pause ${i} after a bare 503 (then ${failed[i]!.category})`).toBeLessThanOrEqual(pause + 1500);
    }
    expect(failed.length).toBeLessThanOrEqual(5);
    // Cached categories kept their papers; the others were told when to come back.
    for (const answer of answers) expect([200, 503]).toContain(answer.status);
    expect(answers.filter((x) => x.url.endsWith("/rss/cs.AI")).every((x) => x.status === 200)).toBe(true);
    const dc = answers.filter((x) => x.url.endsWith("/rss/cs.DC"));
    expect(dc.every((x) => x.status === 200 && x.headers.get("x-feed-warning")?.startsWith("cs.DC: "))).toBe(true);

    fx.setScenario("*", "ok");
    fx.setScenario("cs.DC", "ok");
    await waitFor(
      "arXiv asked again after the fault",
      async () => (await request(b.url, "/rss/cs.RO")).status === 200,
      { timeoutMs: 15_000, everyMs: 250 },
    );
  });

  it('"Rate exceeded." without Retry-After: the other instance waits ARXIV_RETRY_SECONDS too', async () => {
    fx.setScenario("cs.NE", "rate-exceeded");
    expectUnavailable(await request(a.url, "/rss/cs.NE"));
    const limited = lastRequest(fx, "cs.NE");
    const other = await request(b.url, "/rss/cs.OS");
    expectUnavailable(other);
    expect(between(limited.startedAt + 1, limited.endedAt! + 950)).toEqual([]);
    fx.setScenario("cs.NE", "ok");
    await waitFor("cs.OS after the pause", async () => (await request(b.url, "/rss/cs.OS")).status === 200, {
      timeoutMs: 10_000,
      everyMs: 200,
    });
  });

  it("both instances together never asked arXiv faster than ARXIV_MIN_INTERVAL_MS", () => {
    expect(fx.maxConcurrent).toBe(1);
    expectPolite(fx.requests, INTERVAL_MS);
    expect([...internalErrors(a), ...internalErrors(b)]).toEqual([]);
  });
});

describe("a Retry-After of a day", () => {
  let fx: ArxivFixtureServer;
  let app: AppProcess;

  beforeAll(async () => {
    fx = await startArxivFixtureServer();
    app = await startQuietApp({
      ARXIV_RSS_URL: fx.rssUrl,
      ARXIV_MIN_INTERVAL_MS: "100",
      ARXIV_TIMEOUT_MS: "700",
      ARXIV_RETRY_SECONDS: "1",
    });
  });

  afterAll(async () => {
    await app?.stop();
    await fx?.close();
  });

  it("pauses arXiv for 2 hours, not more, and readers are told so", async () => {
    fx.setScenario("*", "http-429-long");
    const first = await request(app.url, "/rss/cs.AI");
    expectUnavailable(first);
    expect(Number(first.headers.get("retry-after"))).toBeGreaterThanOrEqual(7100);
    expect(Number(first.headers.get("retry-after"))).toBeLessThanOrEqual(7201);
    const other = await request(app.url, "/rss/cs.CL");
    expectUnavailable(other);
    expect(Number(other.headers.get("retry-after"))).toBeGreaterThanOrEqual(7100);
    expect(asked(fx, "cs.CL")).toEqual([]);
    expect((await request(app.url, "/")).status).toBe(200);
    expect(internalErrors(app)).toEqual([]);
  });
});

describe("configured categories first", () => {
  const INTERVAL_MS = 200;
  let fx: ArxivFixtureServer;
  let app: AppProcess;
  // 40 of arXiv's categories, none configured, none with a day fixture but cs.CV (fetched first).
  const OTHERS = [
    "cs.AR", "cs.CC", "cs.CE", "cs.CG", "cs.CR", "cs.CY", "cs.DB", "cs.DL", "cs.DM", "cs.DS",
    "cs.ET", "cs.FL", "cs.GL", "cs.GR", "cs.HC", "cs.IR", "cs.IT", "cs.LO", "cs.MA", "cs.MM",
    "cs.MS", "cs.NA", "cs.NE", "cs.NI", "cs.OH", "cs.OS", "cs.PF", "cs.PL", "cs.RO", "cs.SC",
    "cs.SD", "cs.SE", "cs.SI", "cs.SY", "math.AC", "math.AG", "math.AP", "math.AT", "math.CA", "math.CO",
  ];

  beforeAll(async () => {
    for (const c of [...OTHERS, "cs.CV", "cs.GT"]) {
      expect(canonicalCategory(c)).toBe(c);
      expect(CONFIGURED).not.toContain(c);
    }
    fx = await startArxivFixtureServer();
    // ARXIV_OTHER_FETCHES_PER_HOUR left at its default (30). Readers wait long enough for their turn that
    // every fetch the budget allows happens.
    app = await startQuietApp({
      ARXIV_RSS_URL: fx.rssUrl,
      ARXIV_MIN_INTERVAL_MS: String(INTERVAL_MS),
      ARXIV_TIMEOUT_MS: "700",
      ARXIV_MAX_WAIT_MS: "15000",
      ARXIV_RETRY_SECONDS: "1",
    });
  });

  afterAll(async () => {
    await app?.stop();
    await fx?.close();
  });

  let cv: string[];
  let flood: Answer[];

  it("a flood of unconfigured categories leaves a configured fetch's latency normal", async () => {
    const first = await request(app.url, "/json/cs.CV");
    expect(first.status).toBe(200);
    cv = ids(first);
    expect(cv.length).toBeGreaterThan(0);
    // Both routes loaded, so that the flood and the configured reader start on an equal footing.
    expect((await request(app.url, "/rss/cs.CV")).status).toBe(200);

    // The flood's readers come 13 ms apart: spread over the app's polling period, so that none is favoured
    // by when its timers happen to fire.
    let sent = 0;
    const flooding = Promise.all(
      OTHERS.map(async (c, i) => {
        await sleep(i * 13);
        sent++;
        return request(app.url, `/rss/${c}`);
      }),
    );
    // The flood is under way: all its readers are in, arXiv has been asked for two of its categories.
    await waitFor(
      "the flood to reach arXiv",
      () => sent === OTHERS.length && rssRequests(fx.requests).filter((r) => OTHERS.includes(r.category)).length >= 2,
      { timeoutMs: 10_000, everyMs: 20 },
    );
    // Three configured categories, one after the other, while the flood waits: each is asked of arXiv
    // after at most the request in flight and one ARXIV_MIN_INTERVAL_MS. Behind the flood, each would wait
    // its turn among 38 others, 200 ms a turn.
    const configured: { category: string; answer: Answer; startedAt: number }[] = [];
    try {
      for (const category of ["cs.DC", "cs.CL", "cs.AI"]) {
        const startedAt = Date.now();
        configured.push({ category, answer: await request(app.url, `/json/${category}`), startedAt });
      }
    } finally {
      flood = await flooding;
    }
    for (const { category, answer, startedAt } of configured) {
      expect(answer.status, answer.text.slice(0, 200)).toBe(200);
      expect(answer.headers.get("x-feed-warning")).toBeNull();
      expect(ids(answer).length).toBeGreaterThan(0);
      const waited = asked(fx, category)[0]!.startedAt - startedAt;
      const queued = rssRequests(fx.requests).filter((r) => r.startedAt > startedAt && r.startedAt < startedAt + waited).length;
      expect(waited, `${category} was asked of arXiv ${waited} ms after its reader came, after ${queued} others`).toBeLessThan(700);
      expect(answer.ms, `${category} waited behind the flood`).toBeLessThan(1500);
    }
  });

  it("spends at most ARXIV_OTHER_FETCHES_PER_HOUR (30) fetches on unconfigured categories; the rest get 503 with Retry-After", async () => {
    expect(flood, "the flood was not sent").toBeDefined();
    const others = rssRequests(fx.requests).filter((r) => !CONFIGURED.includes(r.category));
    expect(others.length).toBeLessThanOrEqual(30);
    for (const answer of flood) expect([200, 503]).toContain(answer.status);
    expect(flood.filter((x) => x.status === 503).length).toBeGreaterThanOrEqual(OTHERS.length + 1 - 30);

    // The flood cannot spend the whole budget by itself: at most a few unconfigured fetches wait at once
    // and the rest are told "busy". So readers come one at a time until the budget answers.
    let spentAnswer: Answer | undefined;
    for (let i = 0; i < 60 && !spentAnswer; i++) {
      const answer = await request(app.url, `/rss/${OTHERS[i % OTHERS.length]}`);
      if (answer.status === 503 && /at most 30 categories outside its own per hour/.test(answer.text)) spentAnswer = answer;
    }
    expect(spentAnswer, "the budget of unconfigured fetches was never spent").toBeDefined();
    expect(rssRequests(fx.requests).filter((r) => !CONFIGURED.includes(r.category)).length).toBe(30);
    // Retry-After points at the next hour, when the budget starts again.
    const nextHour = Math.floor(Date.now() / 3_600_000 + 1) * 3_600_000;
    expect(Number(spentAnswer!.headers.get("retry-after")) * 1000).toBeGreaterThanOrEqual(nextHour - Date.now() - 2000);

    // Past the budget: another unconfigured category is not fetched at all.
    const beyond = await request(app.url, "/rss/cs.GT");
    expectUnavailable(beyond);
    expect(asked(fx, "cs.GT")).toEqual([]);
  });

  it("past the budget, what is cached is still served, and configured feeds are unaffected", async () => {
    const cached = await request(app.url, "/json/cs.CV");
    expect(cached.status).toBe(200);
    expect(ids(cached)).toEqual(cv);
    const configured = await request(app.url, "/json/cs.LG");
    expect(configured.status).toBe(200);
    expect(ids(configured).length).toBeGreaterThan(0);
    expect(configured.ms).toBeLessThan(2000);
  });

  it("stayed polite and never answered a 500", () => {
    expect(fx.maxConcurrent).toBe(1);
    expectPolite(fx.requests, INTERVAL_MS);
    expect(internalErrors(app)).toEqual([]);
  });
});
