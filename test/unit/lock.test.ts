// Locks in the store: taken once, released or re-armed only by their holder, atomically.
import { describe, expect, it } from "vitest";
import { tryLock, withLock } from "../../lib/store/lock";
import { MemoryStore } from "../../lib/store/memory";
import { fakeClock } from "../helpers/io";

describe("tryLock and withLock", () => {
  it("a held lock refuses a second taker; release frees it", async () => {
    const store = new MemoryStore(fakeClock(0).now);
    const first = await tryLock(store, "k", 10_000);
    expect(first).toBeDefined();
    expect(await tryLock(store, "k", 10_000)).toBeUndefined();
    await first!.release();
    expect(await tryLock(store, "k", 10_000)).toBeDefined();
  });

  it("a holder whose lock expired and was taken by another cannot release or re-arm the other's", async () => {
    const clock = fakeClock(0);
    const store = new MemoryStore(clock.now);
    const stale = (await tryLock(store, "k", 1000))!;
    clock.advance(1001);
    const current = (await tryLock(store, "k", 10_000))!;
    await stale.release();
    await stale.releaseAfter(1);
    expect(await store.get("k")).toBe(current.token);
    clock.advance(5000);
    expect(await tryLock(store, "k", 10_000)).toBeUndefined();
  });

  it("releaseAfter keeps the lock for that long (the arXiv gate's pause), releaseAfter(0) frees it now", async () => {
    const clock = fakeClock(0);
    const store = new MemoryStore(clock.now);
    await (await tryLock(store, "gate", 60_000))!.releaseAfter(3000);
    clock.advance(2999);
    expect(await tryLock(store, "gate", 60_000)).toBeUndefined();
    clock.advance(2);
    const next = (await tryLock(store, "gate", 60_000))!;
    await next.releaseAfter(0);
    expect(await store.get("gate")).toBeUndefined();
  });

  it("withLock runs the work once, releases even when it throws, and says when the lock was taken", async () => {
    const store = new MemoryStore(fakeClock(0).now);
    expect(await withLock(store, "k", 1000, async () => 42)).toEqual({ acquired: true, value: 42 });
    await expect(withLock(store, "k", 1000, async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await store.get("k")).toBeUndefined();
    const held = await tryLock(store, "k", 1000);
    expect(await withLock(store, "k", 1000, async () => 1)).toEqual({ acquired: false });
    await held!.release();
  });
});
