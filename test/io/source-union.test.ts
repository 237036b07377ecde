// One arXiv request per union: the due categories of a feed are asked for together, and each category's
// papers are derived from arXiv's union feed; 2,000 items (arXiv's cap) or a category arXiv disowns
// fall back to one request per category. Fake clock (virtual sleep), real HTTP against the fixture server.
import { describe, expect, it } from "vitest";
import { expectedAnnouncementDate } from "../../lib/arxiv/schedule";
import type { CategorySnapshot } from "../../lib/arxiv/source";
import { AppError } from "../../lib/errors";
import { storeKeys } from "../../lib/store/keys";
import type { Store } from "../../lib/store/types";
import { startArxivFixtureServer } from "../servers/arxiv-fixture-server";
import { serverForTests, sourceHarness, TUE_10AM } from "../helpers/io";

const server = serverForTests(startArxivFixtureServer);
const FOUR = ["cs.AI", "cs.CL", "cs.DC", "cs.LG"];
const asked = () => server.requests.map((r) => r.category);

function today(configured = FOUR) {
  const h = sourceHarness(server, TUE_10AM, { configured });
  server.setAnnounceDate(expectedAnnouncementDate(h.clock.now()));
  return h;
}

describe("one request for a union", () => {
  it("four cold categories: one request, and each category's papers exactly as its own feed gives them", async () => {
    const together = today();
    const snapshots = await Promise.all(together.source.loadAll(FOUR));
    expect(asked()).toEqual(["cs.AI+cs.CL+cs.DC+cs.LG"]);

    // The same categories asked one by one, by another deployment: the very same papers and versions.
    server.reset();
    const alone = today();
    const one: CategorySnapshot[] = [];
    for (const c of FOUR) one.push(await alone.source.load(c));
    expect(asked()).toEqual(FOUR);
    expect(snapshots.map((s) => s.days)).toEqual(one.map((s) => s.days));
    expect(snapshots.map((s) => s.version)).toEqual(one.map((s) => s.version));
    expect(snapshots.map((s) => s.days[0]!.papers.length)).toEqual([352, 241, 2, 112]);
    expect(snapshots.every((s) => s.problem === undefined)).toBe(true);

    // Afterwards each is current on its own: nothing asked again, alone or together.
    server.reset();
    await together.source.load("cs.CL");
    await Promise.all(together.source.loadAll(FOUR));
    expect(asked()).toEqual([]);
  });

  it("only the due ones are asked for: a union with one category due asks for that one", async () => {
    const { source } = today();
    await source.load("cs.DC");
    server.reset();
    await Promise.all(source.loadAll(["cs.AI", "cs.DC"]));
    expect(asked()).toEqual(["cs.AI"]);
  });

  it("a cold ten-category union of other categories: complete after one request, one fetch of the budget", async () => {
    const TEN = ["cs.CV", "cs.RO", "cs.SE", "cs.MA", "cs.NE", "cs.OS", "cs.PL", "cs.IR", "cs.HC", "cs.CR"];
    const h = today();
    const snapshots = await Promise.all(h.source.loadAll(TEN));
    expect(asked()).toEqual([TEN.join("+")]);
    expect(snapshots.every((s) => s.problem === undefined)).toBe(true);
    expect(snapshots[0]!.days[0]!.papers.length).toBeGreaterThan(0);
    const hour = new Date(h.clock.now()).toISOString().slice(0, 13);
    expect(await h.store.get(storeKeys.otherCategoryFetches(hour))).toBe(1);
  });

  it("a union of 2,000 items (arXiv's cap: maybe cut short) → each category asked alone", async () => {
    const { source, log } = today();
    server.setScenario("cs.AI+cs.CL+cs.DC+cs.LG", "items-2000");
    const snapshots = await Promise.all(source.loadAll(FOUR));
    expect(asked()).toEqual(["cs.AI+cs.CL+cs.DC+cs.LG", ...FOUR]);
    expect(snapshots.map((s) => s.days[0]!.papers.length)).toEqual([352, 241, 2, 112]);
    expect(log.entries.some((e) => e.message.includes("one by one"))).toBe(true);
  });

  it("a union naming a category arXiv disowns → each asked alone; only that one is a 404", async () => {
    const { source } = today(["cs.DC"]);
    server.setScenario("cs.XY", "unknown");
    const [ai, xy] = source.loadAll(["cs.AI", "cs.XY"]);
    const xyError = await xy!.catch((err: unknown) => err);
    expect((await ai!).days[0]!.papers.length).toBe(352);
    expect(asked()).toEqual(["cs.AI+cs.XY", "cs.AI", "cs.XY"]);
    expect(xyError).toBeInstanceOf(AppError);
    expect((xyError as AppError).code).toBe("not_found");
  });

  it("a union arXiv answers 503: one request, one arXiv-wide pause, every category told when to come back", async () => {
    const { source, clock } = today();
    server.setScenario("cs.CL", "http-503"); // Retry-After: 2
    const snapshots = await Promise.all(source.loadAll(FOUR));
    expect(asked()).toEqual(["cs.AI+cs.CL+cs.DC+cs.LG"]);
    for (const s of snapshots) {
      expect(s.problem?.reason).toBe("overloaded");
      expect(s.problem!.retryAt).toBe(clock.now() + 300_000); // retrySeconds (300) beats the 2 s asked
    }
    expect((await source.pause())?.until).toBe(new Date(clock.now() + 300_000).toISOString());
  });

  it("50 concurrent readers of the union make one request", async () => {
    const { source } = today();
    await Promise.all(Array.from({ length: 50 }, () => Promise.all(source.loadAll(FOUR))));
    expect(asked()).toEqual(["cs.AI+cs.CL+cs.DC+cs.LG"]);
  });

  it("two instances sharing the store, one of them slow to take each lock after its first, make one request", async () => {
    const a = today();
    // The other instance's view of the same store: each category lock after its first comes some turns
    // of the event loop late (not on the clock, which both share), so that the first instance, finding
    // the first lock taken, could take all the others meanwhile.
    let locksTaken = 0;
    const slowLocks = new Proxy(a.store, {
      get(store, name) {
        if (name === "set") {
          return async (...args: Parameters<Store["set"]>) => {
            if (args[0].startsWith(storeKeys.categoryLock("")) && locksTaken++ > 0) {
              for (let turn = 0; turn < 5; turn++) await new Promise((r) => setImmediate(r));
            }
            return store.set(...args);
          };
        }
        const value: unknown = Reflect.get(store, name);
        return typeof value === "function" ? value.bind(store) : value;
      },
    });
    const b = sourceHarness(server, TUE_10AM, { configured: FOUR, store: slowLocks, clock: a.clock });
    const [fromB, fromA] = await Promise.all([Promise.all(b.source.loadAll(FOUR)), Promise.all(a.source.loadAll(FOUR))]);
    expect(asked()).toEqual(["cs.AI+cs.CL+cs.DC+cs.LG"]);
    expect(fromA.map((s) => s.version)).toEqual(fromB.map((s) => s.version));
    expect(fromA.every((s) => s.version && s.days.length > 0)).toBe(true);
  });

  it.each([
    ["in the same order", FOUR],
    ["in another order", [...FOUR].reverse()],
  ])("two instances sharing the store, asked for the union at once (%s), make one request between them", async (_, other) => {
    const a = today();
    const b = sourceHarness(server, TUE_10AM, { configured: FOUR, store: a.store, clock: a.clock });
    const [fromA, fromB] = await Promise.all([Promise.all(a.source.loadAll(FOUR)), Promise.all(b.source.loadAll(other))]);
    expect(asked()).toEqual(["cs.AI+cs.CL+cs.DC+cs.LG"]);
    const versionOf = new Map(fromB.map((s) => [s.category, s.version]));
    expect(fromA.map((s) => versionOf.get(s.category))).toEqual(fromA.map((s) => s.version));
    expect(fromA.every((s) => s.version && s.days.length > 0)).toBe(true);
  });
});
