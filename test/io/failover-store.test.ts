// FailoverStore as production wires it: KvStore (over the Upstash shim and a real redis-server) with a
// MemoryStore behind it, on a controllable clock, with a recording logger. The shim's command log shows
// when KV is asked; a counting wrapper shows when it is tried even while it is unreachable.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isCachedData, storeKeys } from "../../lib/store/keys";
import { FailoverStore } from "../../lib/store/failover";
import { encodeValue, MAX_VALUE_BYTES } from "../../lib/store/kv";
import { MemoryStore } from "../../lib/store/memory";
import type { SetOptions, Store } from "../../lib/store/types";
import { fakeClock, recordingLogger, type Clock } from "../helpers/io";
import { describeWithRedis, startKv, type KvHarness } from "../helpers/redis";

const RETRY_MS = 15_000;
const T0 = Date.parse("2026-06-30T14:00:00Z");

/** Text gzip cannot shrink: encoded, ~1.2 MB, over the cap and over the shim's 1 MiB request limit. */
const tooBig = () => randomBytes(900_000).toString("base64");
const encodedBytes = (value: unknown) => Buffer.byteLength(encodeValue(value));

/** Delegates to `inner`, counting the calls: how often the failover store tried KV. */
function counting(inner: Store): Store & { calls: number } {
  const wrapper = {
    calls: 0,
    get: (key: string) => (wrapper.calls++, inner.get(key)),
    getMany: (keys: readonly string[]) => (wrapper.calls++, inner.getMany(keys)),
    set: (key: string, value: unknown, options?: SetOptions) => (wrapper.calls++, inner.set(key, value, options)),
    del: (key: string) => (wrapper.calls++, inner.del(key)),
    incr: (key: string, ttlMs: number) => (wrapper.calls++, inner.incr(key, ttlMs)),
    delIfEquals: (key: string, token: string) => (wrapper.calls++, inner.delIfEquals(key, token)),
    expireIfEquals: (key: string, token: string, ttlMs: number) => (wrapper.calls++, inner.expireIfEquals(key, token, ttlMs)),
  };
  return wrapper;
}

describeWithRedis("FailoverStore (KV over the Upstash shim, memory behind it)", () => {
  let kv: KvHarness;

  beforeAll(async () => {
    kv = await startKv();
  }, 30_000);
  afterAll(async () => {
    await kv?.close();
  });
  beforeEach(async () => {
    await kv.reset();
  });

  function harness() {
    const clock: Clock = fakeClock(T0);
    const log = recordingLogger();
    const primary = counting(kv.connect(1000));
    const fallback = new MemoryStore(clock.now);
    const store = new FailoverStore(primary, fallback, { now: clock.now, log, retryPrimaryAfterMs: RETRY_MS });
    const errors = () => log.entries.filter((e) => e.level === "error");
    const infos = () => log.entries.filter((e) => e.level === "info");
    return { clock, log, primary, fallback, store, errors, infos };
  }

  /** Makes KV fail once (shim down), at the clock's current time. */
  async function failNow(h: ReturnType<typeof harness>) {
    kv.shim.setDown(true);
    await h.store.get("trigger");
    expect(h.store.degraded).toBe(true);
  }

  it("healthy: every operation goes to KV, nothing to memory, and health says so", async () => {
    const h = harness();
    expect(await h.store.set("k", { a: 1 }, { ttlMs: 60_000 })).toBe(true);
    expect(await h.store.get("k")).toEqual({ a: 1 });
    expect(await h.store.getMany(["k", "missing"])).toEqual([{ a: 1 }, undefined]);
    expect(await h.store.set("lock", "x", { onlyIfAbsent: true })).toBe(true);
    expect(await h.store.set("lock", "y", { onlyIfAbsent: true })).toBe(false);
    expect(await h.store.incr("n", 60_000)).toBe(1);
    await h.store.del("lock");
    // (EVAL's second word is the counter script, not a key.)
    expect(kv.shim.commands.map((c) => (c[0]!.toLowerCase() === "eval" ? "eval" : `${c[0]!.toLowerCase()} ${c[1]}`))).toEqual([
      "set k",
      "get k",
      "mget k",
      "set lock",
      "set lock",
      "eval",
      "del lock",
    ]);
    // The values are in redis, not in the in-process store.
    expect(await kv.direct.get("k")).toBe('{"a":1}');
    expect(await kv.direct.get("n")).toBe("1");
    expect(await h.fallback.get("k")).toBeUndefined();
    expect(await h.fallback.get("n")).toBeUndefined();
    expect(h.store.health()).toEqual({ kind: "kv", healthy: true });
    expect(h.store.degraded).toBe(false);
    expect(h.log.entries).toEqual([]);
  });

  it("KV down: operations still resolve, from memory; health reports the error and since when", async () => {
    const h = harness();
    await h.store.set("before", "in KV");
    kv.shim.setDown(true);

    const started = performance.now();
    expect(await h.store.get("before")).toBeUndefined(); // memory never had it
    expect(await h.store.set("m", { during: "outage" })).toBe(true);
    expect(await h.store.get("m")).toEqual({ during: "outage" });
    expect(await h.store.incr("n", 60_000)).toBe(1);
    expect(await h.store.incr("n", 60_000)).toBe(2);
    expect(await h.store.getMany(["m", "n", "missing"])).toEqual([{ during: "outage" }, 2, undefined]);
    expect(await h.store.set("lock", "a", { onlyIfAbsent: true, ttlMs: 1000 })).toBe(true);
    expect(await h.store.set("lock", "b", { onlyIfAbsent: true, ttlMs: 1000 })).toBe(false);
    await h.store.del("lock");
    expect(await h.store.get("lock")).toBeUndefined();
    // Only the first operation waited for KV to fail.
    expect(performance.now() - started).toBeLessThan(1500);
    expect(await h.fallback.get("m")).toEqual({ during: "outage" });

    const health = h.store.health();
    expect(health.kind).toBe("kv");
    expect(health.healthy).toBe(false);
    expect(health.lastError).toMatch(/^\w*Error: \S/);
    expect(health.failingSince).toBe(new Date(T0).toISOString());
    expect(h.store.degraded).toBe(true);
  });

  it("the outage is logged once, not once per operation (also when operations fail concurrently)", async () => {
    const h = harness();
    kv.shim.setDown(true);
    await Promise.all([h.store.get("a"), h.store.set("b", 1), h.store.incr("c", 1000), h.store.getMany(["a", "b"]), h.store.del("d")]);
    for (let i = 0; i < 10; i++) {
      h.clock.advance(100);
      await h.store.get(`k${i}`);
    }
    expect(h.errors()).toHaveLength(1);
    expect(h.errors()[0]!.message).toMatch(/KV failed/);
    expect(h.errors()[0]!.fields?.error).toEqual(expect.any(String));
    expect(h.infos()).toEqual([]);
    expect(h.store.health().failingSince).toBe(new Date(T0).toISOString());
  });

  it("within retryPrimaryAfterMs KV is not tried again, even once it is back", async () => {
    const h = harness();
    await failNow(h);
    const tried = h.primary.calls;
    kv.shim.setDown(false);
    kv.shim.commands.length = 0;
    h.clock.advance(RETRY_MS - 1);
    expect(await h.store.set("k", "memory")).toBe(true);
    expect(await h.store.get("k")).toBe("memory");
    expect(await h.store.incr("n", 1000)).toBe(1);
    expect(await h.store.getMany(["k"])).toEqual(["memory"]);
    expect(kv.shim.commands).toEqual([]);
    expect(h.primary.calls).toBe(tried);
    expect(await kv.direct.exists("k")).toBe(0);
    expect(h.store.degraded).toBe(true);
    expect(h.store.health().healthy).toBe(false);
  });

  it("after retryPrimaryAfterMs KV is tried again; when it answers, health is healthy and an info log says so", async () => {
    const h = harness();
    await h.store.set("k", "in KV");
    await failNow(h);
    expect(await h.store.set("k", "in memory")).toBe(true);
    kv.shim.setDown(false);
    kv.shim.commands.length = 0;
    h.clock.advance(RETRY_MS);

    // Reads come from KV again, not from what memory took during the outage.
    expect(await h.store.get("k")).toBe("in KV");
    expect(kv.shim.commands).toEqual([["get", "k"]]);
    expect(h.store.health()).toEqual({ kind: "kv", healthy: true });
    expect(h.store.degraded).toBe(false);
    const recovered = h.infos();
    expect(recovered).toHaveLength(1);
    expect(recovered[0]!.message).toMatch(/KV is reachable again/);
    expect(recovered[0]!.fields).toEqual({ failingSince: new Date(T0).toISOString() });

    // And later operations keep going to KV, without more logs.
    await h.store.set("after", 1);
    expect(await kv.direct.get("after")).toBe("1");
    expect(h.log.entries.filter((e) => e.level === "info")).toHaveLength(1);
    expect(h.errors()).toHaveLength(1);
  });

  it("a retry that fails again keeps the outage's start, does not log again, and waits another period", async () => {
    const h = harness();
    await failNow(h);
    const firstError = h.store.health().lastError;
    h.clock.advance(RETRY_MS);
    const before = h.primary.calls;
    expect(await h.store.set("x", 1)).toBe(true); // tried KV, failed, went on in memory
    expect(h.primary.calls).toBe(before + 1);
    expect(await h.store.get("x")).toBe(1);
    expect(h.primary.calls).toBe(before + 1); // the window started again at the failed retry
    expect(h.errors()).toHaveLength(1);
    const health = h.store.health();
    expect(health).toMatchObject({ kind: "kv", healthy: false, failingSince: new Date(T0).toISOString() });
    expect(health.lastError).toBe(firstError);

    // The new window runs from the failed retry, not from the outage's start.
    kv.shim.setDown(false);
    kv.shim.commands.length = 0;
    h.clock.advance(RETRY_MS - 1);
    await h.store.get("x");
    expect(kv.shim.commands).toEqual([]);
    h.clock.advance(1);
    await h.store.get("x");
    expect(kv.shim.commands).toEqual([["get", "x"]]);
    expect(h.store.health()).toEqual({ kind: "kv", healthy: true });
  });

  describe("a value too big for KV", () => {
    it("is kept in memory, never sent, and is no KV failure: KV serves every other key, health reports it", async () => {
      const h = harness();
      const papers = tooBig();
      const bytes = encodedBytes(papers);
      expect(bytes).toBeGreaterThan(kv.shim.maxRequestBytes);
      const refused = kv.shim.refusedTooLarge;
      expect(await h.store.set("papers", papers, { ttlMs: 60_000 })).toBe(true);
      // No SET reached KV; what KV held under the key was deleted, so no instance reads an older value.
      expect(kv.shim.commands).toEqual([["del", "papers"]]);
      expect(kv.shim.refusedTooLarge).toBe(refused);
      expect(await kv.direct.exists("papers")).toBe(0);

      expect(h.store.degraded).toBe(false);
      expect(h.store.health()).toEqual({ kind: "kv", healthy: true, oversizedWrites: 1, lastOversizedKey: "papers", lastOversizedBytes: bytes });
      expect(h.log.entries).toEqual([
        { level: "error", message: "value too large for KV; kept in this process only", fields: { key: "papers", bytes, limit: MAX_VALUE_BYTES } },
      ]);

      // Other keys still go to KV ...
      kv.shim.commands.length = 0;
      expect(await h.store.set("state", { version: "v1" })).toBe(true);
      expect(await kv.direct.get("state")).toBe('{"version":"v1"}');
      expect(await h.store.get("state")).toEqual({ version: "v1" });
      expect(await h.store.incr("n", 60_000)).toBe(1);
      // ... and this process reads the value from memory, without asking KV for it.
      expect(await h.store.get("papers")).toBe(papers);
      expect(await h.store.getMany(["state", "papers", "missing"])).toEqual([{ version: "v1" }, papers, undefined]);
      expect(kv.shim.commands.map((c) => c.join(" "))).toEqual(["set state", "get state", expect.stringMatching(/^eval /), "mget state"]);
      expect(await h.fallback.get("papers")).toBe(papers);
      expect(h.primary.calls).toBeGreaterThan(0);
      expect(h.store.health().healthy).toBe(true);
    });

    it("is logged once per key and counted every time; the key goes back to KV once its value fits", async () => {
      const h = harness();
      await kv.direct.set("k", '"older"');
      await h.store.set("k", tooBig());
      expect(await kv.direct.exists("k")).toBe(0);
      await h.store.set("k", tooBig());
      const j = tooBig();
      await h.store.set("j", j);
      expect(h.errors().map((e) => e.fields?.key)).toEqual(["k", "j"]);
      expect(h.store.health()).toMatchObject({ healthy: true, oversizedWrites: 3, lastOversizedKey: "j", lastOversizedBytes: encodedBytes(j) });

      expect(await h.store.set("k", "fits")).toBe(true);
      expect(await kv.direct.get("k")).toBe('"fits"');
      expect(await h.fallback.get("k")).toBeUndefined();
      kv.shim.commands.length = 0;
      expect(await h.store.get("k")).toBe("fits");
      expect(kv.shim.commands).toEqual([["get", "k"]]);
      // Too big again: logged again.
      await h.store.set("k", tooBig());
      expect(h.errors()).toHaveLength(3);
      // del forgets it everywhere.
      await h.store.del("j");
      expect(await h.store.get("j")).toBeUndefined();
      expect(await h.fallback.get("j")).toBeUndefined();
      expect(h.store.degraded).toBe(false);
    });

    it("during an outage it goes to memory like every write; refused after it, it does not stand for KV's answer", async () => {
      const h = harness();
      await failNow(h);
      const papers = tooBig();
      expect(await h.store.set("papers", papers)).toBe(true);
      expect(await h.store.get("papers")).toBe(papers);
      expect(h.store.degraded).toBe(true);
      expect(h.store.health()).not.toHaveProperty("oversizedWrites"); // KV was not asked, so nothing was refused

      // KV is back: the refused write sends nothing, but the DEL after it is answered, which shows it.
      kv.shim.setDown(false);
      h.clock.advance(RETRY_MS);
      expect(await h.store.set("papers", papers)).toBe(true);
      expect(h.store.degraded).toBe(false);
      expect(h.infos().map((e) => e.message)).toEqual(["KV is reachable again"]);
      expect(h.store.health()).toMatchObject({ healthy: true, oversizedWrites: 1, lastOversizedKey: "papers" });
      expect(await h.store.get("papers")).toBe(papers);
    });
  });

  it("a second outage after a recovery is logged again, with its own start", async () => {
    const h = harness();
    await failNow(h);
    kv.shim.setDown(false);
    h.clock.advance(RETRY_MS);
    await h.store.get("k");
    expect(h.store.degraded).toBe(false);
    h.clock.advance(60_000);
    const second = h.clock.now();
    await failNow(h);
    expect(h.errors()).toHaveLength(2);
    expect(h.store.health().failingSince).toBe(new Date(second).toISOString());
  });
});

describe("FailoverStore with a scripted primary (no redis needed)", () => {
  function failing(message: string): Store {
    const fail = () => Promise.reject(new TypeError(message));
    return { get: fail, getMany: fail, set: fail, del: fail, incr: fail, delIfEquals: fail, expireIfEquals: fail };
  }

  it("keeps a copy of the papers, states and summaries it reads or writes, and serves it while KV is down; not locks", async () => {
    const clock = fakeClock(T0);
    const log = recordingLogger();
    const kv = new MemoryStore(clock.now);
    let down = false;
    const primary: Store = {
      get: (k) => (down ? Promise.reject(new Error("down")) : kv.get(k)),
      getMany: (ks) => (down ? Promise.reject(new Error("down")) : kv.getMany(ks)),
      set: (k, v, o) => (down ? Promise.reject(new Error("down")) : kv.set(k, v, o)),
      del: (k) => (down ? Promise.reject(new Error("down")) : kv.del(k)),
      incr: (k, t) => (down ? Promise.reject(new Error("down")) : kv.incr(k, t)),
      delIfEquals: (k, v) => (down ? Promise.reject(new Error("down")) : kv.delIfEquals(k, v)),
      expireIfEquals: (k, v, t) => (down ? Promise.reject(new Error("down")) : kv.expireIfEquals(k, v, t)),
    };
    const store = new FailoverStore(primary, new MemoryStore(clock.now), { now: clock.now, log, retryPrimaryAfterMs: RETRY_MS, mirror: isCachedData });
    const state = storeKeys.categoryState("cs.AI");
    const summary = storeKeys.summary("2606.30639v1", "m", "p", "abstract");
    await kv.set(state, { version: "v1" });
    await store.set(summary, { markdown: "# S" });
    await store.set(storeKeys.summaryLock(summary), "token", { onlyIfAbsent: true, ttlMs: 60_000 });
    expect(await store.get(state)).toEqual({ version: "v1" });
    await store.get(storeKeys.summaryLock(summary));

    down = true;
    expect(await store.get(state)).toEqual({ version: "v1" }); // from the copy
    expect(store.degraded).toBe(true);
    expect(await store.getMany([summary, storeKeys.summaryLock(summary)])).toEqual([{ markdown: "# S" }, undefined]);
  });

  it("reports the error's name and message, and health() carries nothing about errors while healthy", async () => {
    const clock = fakeClock(T0);
    const log = recordingLogger();
    const store = new FailoverStore(failing("fetch failed"), new MemoryStore(clock.now), { now: clock.now, log, retryPrimaryAfterMs: RETRY_MS });
    expect(store.health()).toEqual({ kind: "kv", healthy: true });
    expect(await store.set("k", 1)).toBe(true);
    expect(store.health()).toEqual({
      kind: "kv",
      healthy: false,
      lastError: "TypeError: fetch failed",
      failingSince: new Date(T0).toISOString(),
    });
    expect(log.entries).toEqual([
      { level: "error", message: "KV failed; serving from the in-process store", fields: { error: "TypeError: fetch failed" } },
    ]);
  });

  it("never reports healthy while it serves from memory: a late answer to a request sent before the failure", async () => {
    // Request A goes to KV and is slow; request B fails meanwhile; then A's answer arrives.
    const clock = fakeClock(T0);
    const log = recordingLogger();
    let answerA!: (value: unknown) => void;
    let kvCalls = 0;
    const primary: Store = {
      get: (key) => {
        kvCalls++;
        if (key === "a") return new Promise((resolve) => (answerA = resolve));
        return Promise.reject(new TypeError("fetch failed"));
      },
      getMany: () => Promise.reject(new TypeError("fetch failed")),
      set: () => Promise.reject(new TypeError("fetch failed")),
      del: () => Promise.reject(new TypeError("fetch failed")),
      incr: () => Promise.reject(new TypeError("fetch failed")),
      delIfEquals: () => Promise.reject(new TypeError("fetch failed")),
      expireIfEquals: () => Promise.reject(new TypeError("fetch failed")),
    };
    const fallback = new MemoryStore(clock.now);
    const store = new FailoverStore(primary, fallback, { now: clock.now, log, retryPrimaryAfterMs: RETRY_MS });
    const a = store.get("a");
    await store.get("b");
    expect(store.degraded).toBe(true);
    answerA("from KV");
    expect(await a).toBe("from KV");
    // Whatever the store now believes, it must be consistent: if the next operation is served from
    // memory (KV not asked), `degraded` and health() must say so, or the summaries' exactly-once lock
    // and daily budget would silently live in this one process.
    const before = kvCalls;
    await store.set("lock", "x", { onlyIfAbsent: true });
    const servedFromMemory = kvCalls === before;
    if (servedFromMemory) {
      expect(store.degraded).toBe(true);
      expect(store.health().healthy).toBe(false);
    } else {
      expect(await fallback.get("lock")).toBeUndefined();
    }
  });
});
