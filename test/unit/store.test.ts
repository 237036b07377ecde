import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { LruCache } from "../../lib/lru";
import { FailoverStore } from "../../lib/store/failover";
import { encodeValue, KvStore, MAX_VALUE_BYTES, ValueTooLargeError } from "../../lib/store/kv";
import { MemoryStore } from "../../lib/store/memory";
import type { Store } from "../../lib/store/types";
import { fakeClock, recordingLogger } from "../helpers/io";

describe("MemoryStore", () => {
  it("gets what was set, undefined for a missing key, and nothing after del", async () => {
    const store = new MemoryStore(fakeClock(0).now);
    expect(await store.get("missing")).toBeUndefined();
    expect(await store.set("k", { a: 1, list: ["x", "y"] })).toBe(true);
    expect(await store.get("k")).toEqual({ a: 1, list: ["x", "y"] });
    expect(await store.set("k", 42)).toBe(true);
    expect(await store.get("k")).toBe(42);
    await store.del("k");
    expect(await store.get("k")).toBeUndefined();
    await store.del("never-there"); // deleting a missing key is harmless
  });

  it("keeps falsy values distinct from missing ones", async () => {
    const store = new MemoryStore(fakeClock(0).now);
    await store.set("zero", 0);
    await store.set("empty", "");
    await store.set("null", null);
    expect(await store.get("zero")).toBe(0);
    expect(await store.get("empty")).toBe("");
    expect(await store.get("null")).toBeNull();
  });

  it("expires a value exactly ttlMs after it was written, by the injected clock", async () => {
    const clock = fakeClock(1_000_000);
    const store = new MemoryStore(clock.now);
    await store.set("short", "v", { ttlMs: 1000 });
    await store.set("forever", "v");
    clock.advance(999);
    expect(await store.get("short")).toBe("v");
    clock.advance(1);
    expect(await store.get("short")).toBeUndefined();
    clock.advance(365 * 86_400_000);
    expect(await store.get("forever")).toBe("v");
  });

  it("rewriting a key replaces its ttl (with a new one, or none)", async () => {
    const clock = fakeClock(0);
    const store = new MemoryStore(clock.now);
    await store.set("k", 1, { ttlMs: 100 });
    clock.advance(50);
    await store.set("k", 2, { ttlMs: 100 }); // now expires at 150
    clock.advance(99);
    expect(await store.get("k")).toBe(2);
    await store.set("k", 3); // no ttl: never expires
    clock.advance(10_000);
    expect(await store.get("k")).toBe(3);
  });

  it("onlyIfAbsent writes only when the key is missing or expired", async () => {
    const clock = fakeClock(0);
    const store = new MemoryStore(clock.now);
    expect(await store.set("lock", "a", { onlyIfAbsent: true, ttlMs: 100 })).toBe(true);
    expect(await store.set("lock", "b", { onlyIfAbsent: true, ttlMs: 100 })).toBe(false);
    expect(await store.get("lock")).toBe("a");
    clock.advance(100);
    expect(await store.set("lock", "c", { onlyIfAbsent: true })).toBe(true);
    expect(await store.get("lock")).toBe("c");
    await store.del("lock");
    expect(await store.set("lock", "d", { onlyIfAbsent: true })).toBe(true);
    // A plain write always wins.
    expect(await store.set("lock", "e")).toBe(true);
    expect(await store.get("lock")).toBe("e");
  });

  it("onlyIfAbsent lets exactly one of many concurrent writers take a key", async () => {
    const store = new MemoryStore(fakeClock(0).now);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.set("lock", i, { onlyIfAbsent: true, ttlMs: 1000 })),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.get("lock")).toBe(results.indexOf(true));
  });

  it("holds the value itself, frozen: no copy, and the writer cannot change it afterwards either", async () => {
    const store = new MemoryStore(fakeClock(0).now);
    const input = { days: [{ date: "2026-06-30", papers: [{ id: "1" }] }], n: 1 };
    await store.set("k", input);
    expect(await store.get("k")).toBe(input);
    expect(Object.isFrozen(input) && Object.isFrozen(input.days[0]!.papers[0])).toBe(true);
    expect(() => {
      input.n = 2;
    }).toThrow(TypeError);
    expect(() => input.days[0]!.papers.push({ id: "2" })).toThrow(TypeError);
    expect(await store.get("k")).toEqual({ days: [{ date: "2026-06-30", papers: [{ id: "1" }] }], n: 1 });
  });

  it("returns frozen values, so no reader can change what another reader sees", async () => {
    const store = new MemoryStore(fakeClock(0).now);
    await store.set("k", { days: [{ date: "2026-06-30", papers: [{ id: "1" }] }] });
    const got = (await store.get("k")) as { days: { date: string; papers: { id: string }[] }[] };
    expect(Object.isFrozen(got)).toBe(true);
    expect(Object.isFrozen(got.days)).toBe(true);
    expect(Object.isFrozen(got.days[0]!.papers[0])).toBe(true);
    expect(() => got.days.push({ date: "x", papers: [] })).toThrow(TypeError);
    expect(() => {
      got.days[0]!.date = "changed";
    }).toThrow(TypeError);
    expect(await store.get("k")).toEqual({ days: [{ date: "2026-06-30", papers: [{ id: "1" }] }] });
  });

  it("keeps working past the periodic sweep of expired keys", async () => {
    const clock = fakeClock(0);
    const store = new MemoryStore(clock.now);
    await store.set("keep", "v");
    await store.set("live", "v", { ttlMs: 10_000 });
    for (let i = 0; i < 600; i++) await store.set(`tmp:${i}`, i, { ttlMs: 10 });
    clock.advance(20);
    for (let i = 0; i < 600; i++) await store.set(`more:${i}`, i);
    expect(await store.get("keep")).toBe("v");
    expect(await store.get("live")).toBe("v");
    expect(await store.get("tmp:5")).toBeUndefined();
    expect(await store.get("more:599")).toBe(599);
  });
});

describe("LruCache", () => {
  it("evicts the least recently set entry when over the entry count", () => {
    const cache = new LruCache<string>(3, 1000);
    cache.set("a", "A");
    cache.set("b", "B");
    cache.set("c", "C");
    cache.set("d", "D");
    expect(cache.get("a")).toBeUndefined();
    expect([cache.get("b"), cache.get("c"), cache.get("d")]).toEqual(["B", "C", "D"]);
  });

  it("a get makes an entry recently used", () => {
    const cache = new LruCache<string>(3, 1000);
    cache.set("a", "A");
    cache.set("b", "B");
    cache.set("c", "C");
    expect(cache.get("a")).toBe("A");
    cache.set("d", "D");
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBe("A");
    expect(cache.get("c")).toBe("C");
    expect(cache.get("d")).toBe("D");
  });

  it("re-setting a key replaces its value and makes it recently used", () => {
    const cache = new LruCache<string>(2, 1000);
    cache.set("a", "A1");
    cache.set("b", "B");
    cache.set("a", "A2");
    cache.set("c", "C");
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBe("A2");
    expect(cache.get("c")).toBe("C");
  });

  it("evicts least recently used entries until the total size fits", () => {
    const cache = new LruCache<string>(100, 10);
    cache.set("a", "A", 4);
    cache.set("b", "B", 4);
    cache.get("a"); // b is now the least recently used
    cache.set("c", "C", 4); // total 12 > 10: b goes
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBe("A");
    expect(cache.get("c")).toBe("C");
    cache.set("big", "BIG", 9); // needs both a and c gone
    expect(cache.get("a")).toBeUndefined();
    expect(cache.get("c")).toBeUndefined();
    expect(cache.get("big")).toBe("BIG");
  });

  it("counts a replaced entry's size once", () => {
    const cache = new LruCache<string>(100, 10);
    cache.set("a", "A", 6);
    cache.set("a", "A", 2);
    cache.set("b", "B", 8); // 2 + 8 = 10 fits
    expect(cache.get("a")).toBe("A");
    expect(cache.get("b")).toBe("B");
  });

  it("never stores an entry larger than the whole cache, and keeps the others", () => {
    const cache = new LruCache<string>(100, 10);
    cache.set("a", "A", 5);
    cache.set("huge", "H", 11);
    expect(cache.get("huge")).toBeUndefined();
    expect(cache.get("a")).toBe("A");
    // Replacing a key with an oversized value drops the stale one rather than serving it.
    cache.set("a", "A2", 50);
    expect(cache.get("a")).toBeUndefined();
    cache.set("x", "X", 10);
    expect(cache.get("x")).toBe("X");
  });
});

describe("KvStore's size cap (a recording client, no network)", () => {
  function recordingClient() {
    const calls: { command: string; args: unknown[] }[] = [];
    const record =
      (command: string, answer: (...args: unknown[]) => unknown) =>
      async (...args: unknown[]) => {
        calls.push({ command, args });
        return answer(...args);
      };
    const client = {
      get: record("get", () => null),
      mget: record("mget", (...keys) => keys.map((k) => (String(k).endsWith("7") ? JSON.stringify(k) : null))),
      set: record("set", () => "OK"),
      del: record("del", () => 1),
      eval: record("eval", () => 1),
    };
    return { calls, store: new KvStore(client as unknown as ConstructorParameters<typeof KvStore>[0]) };
  }

  it("refuses a value encoded over MAX_VALUE_BYTES, whatever the options, without calling the client", async () => {
    const { calls, store } = recordingClient();
    const value = randomBytes(900_000).toString("base64");
    const bytes = Buffer.byteLength(encodeValue(value));
    expect(bytes).toBeGreaterThan(MAX_VALUE_BYTES);
    for (const options of [undefined, { ttlMs: 1000 }, { onlyIfAbsent: true }]) {
      const refused = store.set("arxiv-rss-bot:v1:papers:cs.AI:abc", value, options);
      await expect(refused).rejects.toThrow(ValueTooLargeError);
      await expect(refused).rejects.toThrow(`value for key "arxiv-rss-bot:v1:papers:cs.AI:abc" is ${bytes} bytes encoded`);
      await expect(refused).rejects.toMatchObject({ name: "ValueTooLargeError", key: "arxiv-rss-bot:v1:papers:cs.AI:abc", bytes, limit: MAX_VALUE_BYTES });
    }
    expect(calls).toEqual([]);
    // Under the cap, it is sent as encoded.
    const fits = randomBytes(300_000).toString("base64");
    expect(await store.set("k", fits)).toBe(true);
    expect(calls).toEqual([{ command: "set", args: ["k", encodeValue(fits)] }]);
  });

  it("getMany: a feed's keys in one MGET; very many in several, each within MAX_VALUE_BYTES of keys, in order", async () => {
    const { calls, store } = recordingClient();
    const key = (i: number) => `arxiv-rss-bot:v1:summary:2606.${String(10000 + i)}v1:openai%2Fgpt-4o-mini:AbCdEfGhIjKl:abstract`;
    const few = Array.from({ length: 200 }, (_, i) => key(i));
    const fewValues = await store.getMany(few);
    expect(calls.map((c) => c.command)).toEqual(["mget"]);
    expect(fewValues).toEqual(few.map((k) => (k.endsWith("7") ? k : undefined)));

    calls.length = 0;
    const many = Array.from({ length: 20_000 }, (_, i) => key(i));
    const values = await store.getMany(many);
    expect(calls.length).toBeGreaterThanOrEqual(3);
    for (const call of calls) {
      expect(call.command).toBe("mget");
      expect(call.args.reduce<number>((n, k) => n + Buffer.byteLength(String(k)) + 3, 0)).toBeLessThanOrEqual(MAX_VALUE_BYTES);
    }
    expect(calls.flatMap((c) => c.args)).toEqual(many);
    expect(values).toEqual(many.map((k) => (k.endsWith("7") ? k : undefined)));
  });
});

describe("FailoverStore and values too big for KV (a scripted KV, no network)", () => {
  /** KV as a MemoryStore that refuses, as KvStore does, values whose JSON is over 100 bytes; counts calls. */
  function harness() {
    const clock = fakeClock(0);
    const kv = new MemoryStore(clock.now);
    let calls = 0;
    const counted =
      <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
      (...args: A) => {
        calls++;
        return fn(...args);
      };
    const primary: Store = {
      get: counted((k) => kv.get(k)),
      getMany: counted((ks) => kv.getMany(ks)),
      set: counted(async (k, v, o) => {
        const bytes = JSON.stringify(v).length;
        if (bytes > 100) throw new ValueTooLargeError(k, bytes);
        return kv.set(k, v, o);
      }),
      del: counted((k) => kv.del(k)),
      incr: counted((k, t) => kv.incr(k, t)),
      delIfEquals: counted((k, v) => kv.delIfEquals(k, v)),
      expireIfEquals: counted((k, v, t) => kv.expireIfEquals(k, v, t)),
    };
    const fallback = new MemoryStore(clock.now);
    const log = recordingLogger();
    const store = new FailoverStore(primary, fallback, { now: clock.now, log, retryPrimaryAfterMs: 15_000 });
    return { clock, kv, fallback, log, store, calls: () => calls };
  }
  const big = (tag: string) => `${tag}:${"x".repeat(200)}`;

  it("a lock too big for KV is not taken in one process's memory: set reports it held", async () => {
    const h = harness();
    expect(await h.store.set("lock", big("token"), { onlyIfAbsent: true, ttlMs: 1000 })).toBe(false);
    expect(await h.fallback.get("lock")).toBeUndefined();
    expect(await h.store.get("lock")).toBeUndefined();
    expect(h.store.health()).toMatchObject({ healthy: true, oversizedWrites: 1, lastOversizedKey: "lock" });
    expect(h.log.entries.map((e) => e.message)).toEqual(["value too large for KV; not written"]);
    expect(h.store.degraded).toBe(false);
  });

  it("once the memory copy has expired, the key is KV's again", async () => {
    const h = harness();
    await h.store.set("papers", big("p"), { ttlMs: 1000 });
    expect(await h.store.get("papers")).toBe(big("p"));
    const before = h.calls();
    expect(await h.store.get("papers")).toBe(big("p"));
    expect(h.calls()).toBe(before); // from memory
    h.clock.advance(1000);
    expect(await h.store.get("papers")).toBeUndefined();
    await h.kv.set("papers", "written by another instance");
    expect(await h.store.get("papers")).toBe("written by another instance");
    expect(h.calls()).toBe(before + 1);
  });

  it("holds at most 64 such keys: past that, the oldest is let go (memory and all)", async () => {
    const h = harness();
    for (let i = 0; i < 65; i++) await h.store.set(`k${i}`, big(String(i)));
    expect(await h.fallback.get("k0")).toBeUndefined();
    expect(await h.store.get("k0")).toBeUndefined();
    expect(await h.store.getMany(["k1", "k64", "k0"])).toEqual([big("1"), big("64"), undefined]);
    expect(h.store.health()).toMatchObject({ oversizedWrites: 65, lastOversizedKey: "k64" });
    expect(h.log.entries.filter((e) => e.level === "error")).toHaveLength(65);
  });
});
