// Vercel KV misbehaving, against `next start` and a real redis-server behind the Upstash REST shim: KV
// unreachable at start, lost mid-run (503, a closed port), slow under and over KV_TIMEOUT_MS, and values
// read back corrupted (valid JSON of the wrong shape, garbage, a broken gzip). Feeds keep being served
// from memory and arXiv, a corrupted value is never served and is written again, health says what
// happened, and a restart with a warm KV serves its first request without asking arXiv.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { expectedAnnouncementDate } from "../../lib/arxiv/schedule";
import { getConfig } from "../../lib/config";
import { startArxivFixtureServer, type ArxivFixtureServer } from "../servers/arxiv-fixture-server";
import { startFakeOpenAi, type FakeOpenAi } from "../servers/fake-openai-server";
import { CORRUPT_MARKER, type KvCorruption } from "../servers/upstash-kv";
import { ids, internalErrors, request, rssRequests, sleep, startQuietApp, waitFor, type Answer } from "../helpers/faults";
import { describeWithRedis, startKv, type KvHarness } from "../helpers/redis";
import type { AppProcess } from "./app-process";

const config = getConfig();
const KEY = "arxiv-rss-bot:v1";

interface Health {
  status: string;
  store: { kind: string; healthy: boolean; lastError?: string };
}

describeWithRedis("KV faults", () => {
  let kv: KvHarness;
  let fx: ArxivFixtureServer;
  const apps: AppProcess[] = [];

  beforeAll(async () => {
    kv = await startKv();
    // Today's date: a good fetch holds until arXiv's next update, so arXiv is asked only when the app has
    // nothing (or nothing readable) for a category.
    fx = await startArxivFixtureServer({ announceDate: expectedAnnouncementDate(Date.now()) });
  });

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await fx?.close();
    await kv?.close();
  });

  beforeEach(async () => {
    await kv.shim.setFault("none");
    kv.shim.setDelay(0);
    kv.shim.clearCorruption();
    await kv.reset();
    fx.reset();
  });

  afterEach(async () => {
    for (const app of apps.splice(0)) {
      expect(internalErrors(app)).toEqual([]);
      await app.stop();
    }
  });

  function kvEnv(extra: Record<string, string> = {}): Record<string, string> {
    return {
      ARXIV_RSS_URL: fx.rssUrl,
      ARXIV_MIN_INTERVAL_MS: "50",
      ARXIV_TIMEOUT_MS: "700",
      ARXIV_MAX_WAIT_MS: "3000",
      ARXIV_RETRY_SECONDS: "1",
      KV_REST_API_URL: kv.shim.url,
      KV_REST_API_TOKEN: kv.shim.token,
      KV_TIMEOUT_MS: "500",
      ...extra,
    };
  }

  async function start(extra: Record<string, string> = {}, readyPath?: string, port?: number): Promise<AppProcess> {
    const app = await startQuietApp(kvEnv(extra), { readyPath, port });
    apps.push(app);
    return app;
  }

  async function health(app: AppProcess): Promise<Health & Record<string, unknown>> {
    const answer = await request(app.url, "/api/health");
    return JSON.parse(answer.text) as Health & Record<string, unknown>;
  }

  /** KV is used again: health says so (the app leaves a failing KV alone for 15 s, then tries it). */
  async function recovered(app: AppProcess): Promise<void> {
    await waitFor(
      "health to report KV healthy again",
      async () => {
        await request(app.url, "/rss");
        return (await health(app)).store.healthy;
      },
      { timeoutMs: 40_000, everyMs: 1000 },
    );
  }

  const arxivAsked = (category?: string) => rssRequests(fx.requests).filter((r) => !category || r.category === category).length;

  /** Commands the shim received from index `from` on, as "name key". */
  const commandsSince = (from: number) => kv.shim.commands.slice(from).map(([name, key]) => `${name!.toLowerCase()} ${key ?? ""}`);

  it("unreachable at start: feeds from memory and arXiv, health degraded, KV used again once it answers", async () => {
    await kv.shim.setFault("refuse");
    const app = await start();
    const feed = await request(app.url, "/json/cs.AI");
    expect(feed.status).toBe(200);
    expect(ids(feed).length).toBeGreaterThan(0);
    expect(feed.ms).toBeLessThan(5000);
    expect((await request(app.url, "/rss")).status).toBe(200);
    const down = await health(app);
    expect(down.status).toBe("degraded");
    expect(down.store).toMatchObject({ kind: "kv", healthy: false });
    expect(down.store.lastError).toBeTruthy();

    await kv.shim.setFault("none");
    await recovered(app);
    // What is fetched from now on lands in KV.
    const mark = kv.shim.commands.length;
    expect((await request(app.url, "/json/cs.CV")).status).toBe(200);
    expect(commandsSince(mark)).toContain(`set ${KEY}:category:cs.CV`);
    expect(await kv.direct.get(`${KEY}:category:cs.CV`)).toBeTruthy();
  });

  it("lost mid-run (HTTP 503, then a closed port): the same papers from memory, new ones from arXiv, recovery", async () => {
    const app = await start();
    const good = ids(await request(app.url, "/json/cs.AI"));
    expect((await request(app.url, "/rss")).status).toBe(200);

    await kv.shim.setFault("503");
    const during503 = await request(app.url, "/json/cs.AI");
    expect(during503.status).toBe(200);
    expect(ids(during503)).toEqual(good);
    expect(during503.headers.get("x-feed-warning")).toBeNull();
    expect((await request(app.url, "/json/cs.CV")).status).toBe(200);
    const h503 = await health(app);
    expect(h503.store.healthy).toBe(false);
    expect(h503.store.lastError).toBeTruthy();

    await kv.shim.setFault("refuse");
    const refused = await request(app.url, "/json/cs.AI");
    expect(refused.status).toBe(200);
    expect(ids(refused)).toEqual(good);
    expect((await request(app.url, "/rss/cs.CL+cs.LG")).status).toBe(200);
    expect((await health(app)).store.healthy).toBe(false);

    await kv.shim.setFault("none");
    await recovered(app);
    expect(ids(await request(app.url, "/json/cs.AI"))).toEqual(good);
  });

  describe("slow", () => {
    let llm: FakeOpenAi;
    beforeAll(async () => {
      llm = await startFakeOpenAi();
    });
    afterAll(async () => {
      await llm?.close();
    });

    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

    async function polls(app: AppProcess, n: number): Promise<number[]> {
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        const answer = await request(app.url, "/rss");
        expect(answer.status).toBe(200);
        times.push(answer.ms);
      }
      return times;
    }

    it("300 ms a round trip, under KV_TIMEOUT_MS: a warm poll is slower by about one round trip, not ten", async () => {
      // As deployed: summaries on (each poll reads their epoch), the model a local stand-in.
      const app = await start({
        KV_TIMEOUT_MS: "1000",
        [config.aiSummary.api_key_env]: "sk-test",
        AI_SUMMARY_BASE_URL: llm.baseUrl,
        AI_SUMMARY_MODEL: "test-model",
      });
      await polls(app, 3);
      await sleep(2000); // the summaries started by those polls
      const fast = median(await polls(app, 7));
      kv.shim.setDelay(300);
      const slow = median(await polls(app, 7));
      expect(slow - fast, `warm poll ${fast.toFixed(0)} ms, with a 300 ms KV ${slow.toFixed(0)} ms`).toBeLessThan(750);
      expect((await health(app)).store.healthy).toBe(true);
    });

    it("slower than KV_TIMEOUT_MS: answers within a few timeouts from memory and arXiv, then KV is used again", async () => {
      const app = await start({ KV_TIMEOUT_MS: "500" });
      const good = ids(await request(app.url, "/json/cs.AI"));
      kv.shim.setDelay(3000);
      const fresh = await request(app.url, "/json/cs.CV");
      expect(fresh.status).toBe(200);
      expect(ids(fresh).length).toBeGreaterThan(0);
      expect(fresh.ms).toBeLessThan(5000);
      const cached = await request(app.url, "/json/cs.AI");
      expect(ids(cached)).toEqual(good);
      expect(cached.ms).toBeLessThan(3000);
      expect((await health(app)).store.healthy).toBe(false);
      kv.shim.setDelay(0);
      await recovered(app);
    });
  });

  describe("values read back corrupted", () => {
    const good = new Map<string, string[]>();

    beforeEach(async () => {
      // One instance fetches cs.AI, cs.CL and cs.LG into KV and goes away.
      const first = await start();
      for (const c of ["cs.AI", "cs.CL", "cs.LG"]) {
        const answer = await request(first.url, `/json/${c}`);
        expect(answer.status).toBe(200);
        good.set(c, ids(answer));
      }
      await first.stop();
    });

    const CASES: [string, RegExp, KvCorruption, string][] = [
      ["cs.AI's papers, valid JSON of the wrong shape", /:papers:cs\.AI:/, "wrong-shape", "cs.AI"],
      ["cs.CL's papers, a broken gzip", /:papers:cs\.CL:/, "bad-gzip", "cs.CL"],
      ["cs.LG's state, garbage", /:category:cs\.LG$/, "garbage", "cs.LG"],
    ];

    it.each(CASES)("%s: a new instance serves the good papers, writes them again, and health tells", async (_, match, kind, category) => {
      kv.shim.corrupt(match, kind);
      const mark = kv.shim.commands.length;
      const app = await start();
      const answer = await request(app.url, `/json/${category}`);
      expect(kv.shim.corruptedReads.length).toBeGreaterThan(0);
      expect(answer.status, answer.text.slice(0, 200)).toBe(200);
      expect(ids(answer)).toEqual(good.get(category));
      expect(answer.text).not.toContain(CORRUPT_MARKER);
      // Written again, from arXiv (this instance had nothing in memory): the key that read corrupted.
      const rewritten = commandsSince(mark).filter((c) => c.startsWith("set ") && match.test(c.slice(4)));
      expect(rewritten.length, commandsSince(mark).join("\n")).toBeGreaterThanOrEqual(1);
      // Not fetched over and over: the next readers are served from what was written.
      const asked = arxivAsked(category);
      for (let i = 0; i < 3; i++) expect(ids(await request(app.url, `/json/${category}`))).toEqual(good.get(category));
      expect(arxivAsked(category)).toBe(asked);
      expect(asked).toBeLessThanOrEqual(2);

      const report = JSON.stringify(await health(app));
      expect(report, "/api/health says nothing of the corrupt reads").toMatch(/corrupt/i);
    });

    it("a warm instance whose state reads corrupted while arXiv fails keeps serving its papers, and KV keeps them", async () => {
      // cs.DC's batch is yesterday's: its state is due again every ARXIV_RETRY_SECONDS.
      fx.setScenario("cs.DC", "stale");
      const app = await start();
      const dc = ids(await request(app.url, "/json/cs.DC"));
      expect(dc.length).toBeGreaterThan(0);
      const stateKey = `${KEY}:category:cs.DC`;
      const stored = JSON.parse((await kv.direct.get(stateKey))!) as { version?: string };
      expect(stored.version).toBeTruthy();

      kv.shim.corrupt(/:category:cs\.DC$/, "wrong-shape");
      fx.setScenario("cs.DC", "http-500");
      await sleep(1100);
      const answers: Answer[] = [];
      for (let i = 0; i < 3; i++) {
        answers.push(await request(app.url, "/json/cs.DC"));
        await sleep(400);
      }
      for (const answer of answers) {
        expect(answer.status, "a good feed became a 503").toBe(200);
        expect(ids(answer)).toEqual(dc);
        expect(answer.text).not.toContain(CORRUPT_MARKER);
      }
      expect(answers.some((x) => x.headers.get("x-feed-warning")?.startsWith("cs.DC: "))).toBe(true);
      // What KV holds for cs.DC still names the good papers.
      const after = JSON.parse((await kv.direct.get(stateKey))!) as { category?: string; version?: string };
      expect(after.category).toBe("cs.DC");
      expect(after.version, "the good batch's state in KV was replaced by one without papers").toBe(stored.version);
    });
  });

  it("a restart with a warm KV serves its first request from KV without asking arXiv", async () => {
    const first = await start();
    const rss = await request(first.url, "/rss");
    expect(rss.status).toBe(200);
    const cv = await request(first.url, "/json/cs.CV");
    expect(cv.status).toBe(200);
    await first.stop();
    const asked = arxivAsked();
    expect(asked).toBe(2); // the configured union in one request, then cs.CV

    // On the same port (the feeds' links, and so their ETags, name it). The readiness check is the first
    // request: /rss itself.
    const second = await start({}, "/rss", Number(new URL(first.url).port));
    const again = await request(second.url, "/rss");
    expect(again.status).toBe(200);
    expect(again.headers.get("etag")).toBe(rss.headers.get("etag"));
    expect(ids(await request(second.url, "/json/cs.CV"))).toEqual(ids(cv));
    expect(arxivAsked()).toBe(asked);
  });
});
