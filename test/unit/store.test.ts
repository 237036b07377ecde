import { describe, expect, it } from "vitest";
import { LruCache } from "../../lib/lru";
import { MemoryStore } from "../../lib/store/memory";
import { fakeClock } from "../helpers/io";

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

  it("stores a copy: changing the input after set does not change what get returns", async () => {
    const store = new MemoryStore(fakeClock(0).now);
    const input = { days: [{ date: "2026-06-30", papers: [{ id: "1" }] }], n: 1 };
    await store.set("k", input);
    input.n = 2;
    input.days[0]!.papers.push({ id: "2" });
    input.days.push({ date: "2026-07-01", papers: [] });
    expect(await store.get("k")).toEqual({ days: [{ date: "2026-06-30", papers: [{ id: "1" }] }], n: 1 });
    // ... and the caller's object is still its own (not frozen by the store).
    expect(Object.isFrozen(input)).toBe(false);
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
