// KvStore as production builds it (KvStore.connect → @vercel/kv → HTTP), against a real redis-server behind
// the Upstash REST shim. Raw values and expiries are checked with a direct redis client.
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { z } from "zod";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createArxivSource } from "../../lib/arxiv/source";
import { silentLogger } from "../../lib/log";
import { storeKeys } from "../../lib/store/keys";
import { decodeValue, encodeValue, KvStore, MAX_VALUE_BYTES, ValueTooLargeError } from "../../lib/store/kv";
import { promptFingerprint } from "../../lib/summaries/prompt";
import { createSummaries } from "../../lib/summaries/service";
import { parseConfig } from "../../lib/config";
import { commandNames, describeWithRedis, elapsed, sleep, startKv, type KvHarness } from "../helpers/redis";
import { makePaper } from "../helpers/fixtures";
import { VERCEL_KV_MAX_REQUEST_BYTES } from "../servers/upstash-kv";

// A caller's schema, as the app's readers validate what they get (e.g. a summary record).
const recordSchema = z.object({ markdown: z.string().min(1), model: z.string() });

/** A value whose JSON is well over the 16 KB compression threshold: a category's papers, roughly. */
function bigValue(papers = 60) {
  return {
    version: "abc123",
    days: [
      {
        date: "2026-06-30",
        papers: Array.from({ length: papers }, (_, i) => ({
          id: `2606.${String(10000 + i)}`,
          title: `A paper about attention, number ${i} — über-efficient 注意力 🚀`,
          abstract: "We study things. ".repeat(20) + `(${i})`,
          authors: ["Ada Lovelace", "Alan Turing", "Grace Hopper"],
        })),
      },
    ],
  };
}

/** Seeded pseudo-random text: gzip barely shrinks it, so its encoded size follows its length (~1 byte a char). */
function noise(length: number, seed = 7): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const chars = new Array<string>(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    chars[i] = alphabet[x & 63]!;
  }
  return chars.join("");
}

const encodedBytes = (value: unknown) => Buffer.byteLength(encodeValue(value));

/** The longest prefix of some noise whose encoded value is at most `bytes` long. */
function valueEncodedWithin(bytes: number): string {
  const text = noise(bytes + 50_000);
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (encodedBytes(text.slice(0, mid)) <= bytes) lo = mid;
    else hi = mid - 1;
  }
  return text.slice(0, lo);
}

describe("encodeValue / decodeValue (pure)", () => {
  it("small values are plain JSON, large ones gz1:-prefixed, and both decode to the original", () => {
    expect(encodeValue({ a: 1 })).toBe('{"a":1}');
    const big = bigValue();
    const encoded = encodeValue(big);
    expect(encoded.startsWith("gz1:")).toBe(true);
    expect(encoded.length).toBeLessThan(JSON.stringify(big).length);
    expect(decodeValue(encoded)).toEqual(big);
  });

  it("null/undefined raw values are missing; damaged ones decode to something no schema accepts, without throwing", () => {
    expect(decodeValue(null)).toBeUndefined();
    expect(decodeValue(undefined)).toBeUndefined();
    for (const raw of ["gz1:notbase64", "{not json", "gz1:", "gz1:" + Buffer.from("not gzip").toString("base64"), "hello", ""]) {
      const decoded = decodeValue(raw);
      expect(recordSchema.safeParse(decoded).success, raw).toBe(false);
    }
  });
});

describeWithRedis("KvStore over the Upstash REST protocol (redis-server + shim)", () => {
  let kv: KvHarness;
  let store: KvStore;

  beforeAll(async () => {
    kv = await startKv();
    store = kv.connect(1000);
  }, 30_000);
  afterAll(async () => {
    await kv?.close();
  });
  beforeEach(async () => {
    await kv.reset();
  });

  describe("values", () => {
    it("round-trips JSON values of every shape through KV, stored as JSON text", async () => {
      const values: Record<string, unknown> = {
        object: { a: 1, nested: { list: [1, "two", { three: [3] }], flag: true, none: null } },
        numberish: "123",
        decimalish: "1e3",
        booleanish: "true",
        nullish: "null",
        quoted: '"quoted"',
        unicode: "注意力机制 — über naïve café 🚀 \u{1F9EA} è®ºæ–‡æ€»ç»“",
        nestedArrays: [[1, [2, [3, []]]], [], [["a"], ["b", ["c"]]]],
        number: 42.5,
        negative: -7,
        empty: "",
        zero: 0,
        no: false,
        nothing: null,
        markdown: "## Heading\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n> quote with \"quotes\" and \\backslashes\\\n",
      };
      for (const [key, value] of Object.entries(values)) expect(await store.set(`v:${key}`, value)).toBe(true);
      for (const [key, value] of Object.entries(values)) expect(await store.get(`v:${key}`), key).toEqual(value);
      // Strings that look like numbers stay strings (the SDK's automatic deserialization is off).
      expect(typeof (await store.get("v:numberish"))).toBe("string");
      expect(await kv.direct.get("v:numberish")).toBe('"123"');
      expect(await kv.direct.get("v:object")).toBe(JSON.stringify(values.object));
      expect(await kv.direct.get("v:unicode")).toBe(JSON.stringify(values.unicode));
    });

    it("missing keys read as undefined; del removes a key; deleting a missing key is harmless", async () => {
      expect(await store.get("missing")).toBeUndefined();
      await store.set("k", { a: 1 });
      expect(await store.get("k")).toEqual({ a: 1 });
      await store.del("k");
      expect(await store.get("k")).toBeUndefined();
      expect(await kv.direct.exists("k")).toBe(0);
      await expect(store.del("never-there")).resolves.toBeUndefined();
    });

    it("the operations reach KV as the expected Redis commands", async () => {
      await store.set("a", 1);
      await store.get("a");
      await store.getMany(["a", "b"]);
      await store.incr("n", 1000);
      await store.del("a");
      expect(commandNames(kv.shim)).toEqual(["set", "get", "mget", "eval", "del"]);
    });

    it("a plain set replaces the value and drops any earlier expiry", async () => {
      await store.set("k", "first", { ttlMs: 60_000 });
      expect(await kv.direct.pTTL("k")).toBeGreaterThan(0);
      expect(await store.set("k", "second")).toBe(true);
      expect(await store.get("k")).toBe("second");
      expect(await kv.direct.pTTL("k")).toBe(-1);
    });
  });

  describe("expiry", () => {
    it("ttlMs sets the key's expiry in milliseconds, and the value is gone after it", async () => {
      await store.set("short", { v: 1 }, { ttlMs: 150 });
      await store.set("long", { v: 2 }, { ttlMs: 3_600_000 });
      await store.set("forever", { v: 3 });
      const short = await kv.direct.pTTL("short");
      expect(short).toBeGreaterThan(0);
      expect(short).toBeLessThanOrEqual(150);
      const long = await kv.direct.pTTL("long");
      expect(long).toBeGreaterThan(3_590_000);
      expect(long).toBeLessThanOrEqual(3_600_000);
      expect(await kv.direct.pTTL("forever")).toBe(-1);
      expect(await store.get("short")).toEqual({ v: 1 });
      await sleep(250);
      expect(await store.get("short")).toBeUndefined();
      expect(await store.getMany(["short", "long", "forever"])).toEqual([undefined, { v: 2 }, { v: 3 }]);
    });

    it("a fractional or tiny ttlMs still expires the key (rounded, at least 1 ms), never stores it forever", async () => {
      await store.set("tiny", "x", { ttlMs: 0.2 });
      await store.set("fraction", "y", { ttlMs: 1500.7 });
      const fraction = await kv.direct.pTTL("fraction");
      expect(fraction).toBeGreaterThan(0);
      expect(fraction).toBeLessThanOrEqual(1501);
      await sleep(20);
      expect(await store.get("tiny")).toBeUndefined();
    });
  });

  describe("onlyIfAbsent (locks)", () => {
    it("the first writer takes the key; the second gets false and the value is unchanged", async () => {
      expect(await store.set("lock", "owner-a", { onlyIfAbsent: true })).toBe(true);
      expect(await store.set("lock", "owner-b", { onlyIfAbsent: true })).toBe(false);
      expect(await store.get("lock")).toBe("owner-a");
      await store.del("lock");
      expect(await store.set("lock", "owner-c", { onlyIfAbsent: true })).toBe(true);
      expect(await store.get("lock")).toBe("owner-c");
      // A plain write always wins.
      expect(await store.set("lock", "owner-d")).toBe(true);
      expect(await store.get("lock")).toBe("owner-d");
    });

    it("honours ttlMs: the lock expires on its own and can then be taken again", async () => {
      expect(await store.set("lock", "a", { onlyIfAbsent: true, ttlMs: 150 })).toBe(true);
      const pttl = await kv.direct.pTTL("lock");
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(150);
      expect(await store.set("lock", "b", { onlyIfAbsent: true, ttlMs: 150 })).toBe(false);
      // The failed attempt did not extend the holder's lock.
      expect(await kv.direct.pTTL("lock")).toBeLessThanOrEqual(pttl);
      expect(await store.get("lock")).toBe("a");
      await sleep(250);
      expect(await store.get("lock")).toBeUndefined();
      expect(await store.set("lock", "c", { onlyIfAbsent: true, ttlMs: 60_000 })).toBe(true);
      expect(await store.get("lock")).toBe("c");
    });

    it("exactly one of many concurrent writers (one per client, as separate instances) takes the lock", async () => {
      const clients = Array.from({ length: 8 }, () => kv.connect(2000));
      const results = await Promise.all(
        clients.flatMap((client, c) =>
          Array.from({ length: 3 }, (_, i) => client.set("lock", `${c}-${i}`, { onlyIfAbsent: true, ttlMs: 60_000 })),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect(await store.get("lock")).toBe(`${Math.floor(winner / 3)}-${winner % 3}`);
    });

    it("delIfEquals and expireIfEquals act only for the holder, in one script each", async () => {
      await store.set("lock", "mine", { ttlMs: 60_000 });
      expect(await store.delIfEquals("lock", "theirs")).toBe(false);
      expect(await store.expireIfEquals("lock", "theirs", 5)).toBe(false);
      expect(await kv.direct.pTTL("lock")).toBeGreaterThan(50_000);
      expect(await store.expireIfEquals("lock", "mine", 3000)).toBe(true);
      expect(await kv.direct.pTTL("lock")).toBeLessThanOrEqual(3000);
      expect(await store.delIfEquals("lock", "mine")).toBe(true);
      expect(await store.get("lock")).toBeUndefined();
      expect(await store.delIfEquals("lock", "mine")).toBe(false);
      expect(commandNames(kv.shim).filter((c) => c === "eval" || c === "evalsha").length).toBeGreaterThanOrEqual(5);
      expect(commandNames(kv.shim)).not.toContain("del");
    });
  });

  describe("getMany", () => {
    it("returns values in the order of the keys, undefined for missing ones, repeats included", async () => {
      await store.set("a", { name: "A" });
      await store.set("c", "C");
      await store.set("big", bigValue(40));
      expect(await store.getMany(["c", "missing", "a", "c", "big", "also-missing"])).toEqual([
        "C",
        undefined,
        { name: "A" },
        "C",
        bigValue(40),
        undefined,
      ]);
      expect(await store.getMany(["nothing-here"])).toEqual([undefined]);
    });

    it("no keys → [] without a round trip", async () => {
      expect(await store.getMany([])).toEqual([]);
      expect(kv.shim.commands).toEqual([]);
    });
  });

  describe("incr", () => {
    it("counts from 1 and sets the expiry only when it creates the counter", async () => {
      expect(await store.incr("count", 60_000)).toBe(1);
      const first = await kv.direct.pTTL("count");
      expect(first).toBeGreaterThan(59_000);
      expect(first).toBeLessThanOrEqual(60_000);
      expect(await store.incr("count", 3_600_000)).toBe(2);
      expect(await store.incr("count", 3_600_000)).toBe(3);
      // A later, longer ttl did not push the expiry back.
      expect(await kv.direct.pTTL("count")).toBeLessThanOrEqual(first);
      // The counter reads back as a number, as the summary epoch's readers expect.
      expect(await store.get("count")).toBe(3);
      expect(await store.getMany(["count"])).toEqual([3]);
    });

    it("an expired counter starts again at 1 with a new expiry", async () => {
      expect(await store.incr("count", 150)).toBe(1);
      expect(await store.incr("count", 150)).toBe(2);
      await sleep(250);
      expect(await store.incr("count", 60_000)).toBe(1);
      expect(await kv.direct.pTTL("count")).toBeGreaterThan(59_000);
    });

    it("concurrent increments from several clients are all counted, once each", async () => {
      const clients = Array.from({ length: 5 }, () => kv.connect(2000));
      const results = await Promise.all(clients.flatMap((client) => Array.from({ length: 6 }, () => client.incr("budget", 60_000))));
      expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      expect(await kv.direct.get("budget")).toBe("30");
      expect(await kv.direct.pTTL("budget")).toBeGreaterThan(0);
    });
  });

  describe("compression", () => {
    it("a value over 16 KB is stored gzipped (gz1:) and reads back equal", async () => {
      const value = bigValue();
      const json = JSON.stringify(value);
      expect(json.length).toBeGreaterThan(16 * 1024);
      await store.set("papers", value, { ttlMs: 60_000 });
      const raw = await kv.direct.get("papers");
      expect(raw?.startsWith("gz1:")).toBe(true);
      expect(raw!.length).toBeLessThan(json.length / 2);
      expect(await store.get("papers")).toEqual(value);
      expect(await store.getMany(["papers", "missing"])).toEqual([value, undefined]);
    });

    it("a value at or under 16 KB is stored as plain JSON", async () => {
      const value = "x".repeat(16 * 1024 - 2); // JSON adds the two quotes: exactly 16 KB
      await store.set("edge", value);
      expect(await kv.direct.get("edge")).toBe(JSON.stringify(value));
      expect(await store.get("edge")).toBe(value);
      await store.set("over", `${value}y`);
      expect((await kv.direct.get("over"))!.startsWith("gz1:")).toBe(true);
      expect(await store.get("over")).toBe(`${value}y`);
    });
  });

  describe("size cap (the shim refuses requests and answers over 1 MiB, as Vercel KV does)", () => {
    it("the cap leaves a value at it room, sent as it is and read back base64-encoded (4/3), under the limit", () => {
      expect(kv.shim.maxRequestBytes).toBe(VERCEL_KV_MAX_REQUEST_BYTES);
      expect(Math.ceil(MAX_VALUE_BYTES / 3) * 4 + 1000).toBeLessThan(VERCEL_KV_MAX_REQUEST_BYTES);
    });

    it("a value encoded over the cap is refused with ValueTooLargeError (key and size), before any request", async () => {
      const value = noise(1_200_000);
      const bytes = encodedBytes(value);
      expect(bytes).toBeGreaterThan(VERCEL_KV_MAX_REQUEST_BYTES);
      const requestsBefore = kv.shim.requests;
      for (const options of [{}, { ttlMs: 60_000 }, { onlyIfAbsent: true, ttlMs: 60_000 }]) {
        const error = await store.set("huge", value, options).then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(error).toBeInstanceOf(ValueTooLargeError);
        const refused = error as ValueTooLargeError;
        expect(refused.name).toBe("ValueTooLargeError");
        expect(refused.key).toBe("huge");
        expect(refused.bytes).toBe(bytes);
        expect(refused.limit).toBe(MAX_VALUE_BYTES);
        expect(refused.message).toContain('"huge"');
        expect(refused.message).toContain(String(bytes));
      }
      expect(kv.shim.requests).toBe(requestsBefore);
      expect(kv.shim.commands).toEqual([]);
      expect(await kv.direct.exists("huge")).toBe(0);
    });

    it("without the cap, that SET would have been refused by KV (the shim answers as Upstash does)", async () => {
      const text = encodeValue(noise(1_200_000));
      const refusedBefore = kv.shim.refusedTooLarge;
      const res = await fetch(kv.shim.url, {
        method: "POST",
        headers: { authorization: `Bearer ${kv.shim.token}`, "content-type": "application/json" },
        body: JSON.stringify(["set", "huge", text]),
      });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: string };
      expect(body.error).toMatch(/^ERR max request size exceeded\. Limit: 1048576 bytes, Actual: \d+ bytes$/);
      expect(kv.shim.refusedTooLarge).toBe(refusedBefore + 1);
      expect(kv.shim.commands).toEqual([]);
      expect(await kv.direct.exists("huge")).toBe(0);
    });

    it("a value encoded just under the cap round-trips (set, get, getMany), within the limit both ways", async () => {
      const value = valueEncodedWithin(MAX_VALUE_BYTES);
      const bytes = encodedBytes(value);
      expect(bytes).toBeLessThanOrEqual(MAX_VALUE_BYTES);
      expect(bytes).toBeGreaterThan(MAX_VALUE_BYTES - 100);
      const [refused, tooLarge] = [kv.shim.refusedTooLarge, kv.shim.answersTooLarge];
      expect(await store.set("edge", value, { ttlMs: 60_000 })).toBe(true);
      expect(await kv.direct.strLen("edge")).toBe(bytes);
      expect(await store.get("edge")).toBe(value);
      expect(await store.getMany(["edge", "missing"])).toEqual([value, undefined]);
      expect([kv.shim.refusedTooLarge, kv.shim.answersTooLarge]).toEqual([refused, tooLarge]);
      // One more byte is over.
      await expect(store.set("edge", `${value}${noise(200, 3)}`)).rejects.toThrow(ValueTooLargeError);
    });

    it("values near the cap written and read at once travel one per request, each under the limit", async () => {
      // The SDK's auto-pipelining would put commands issued together into one request: two such values
      // make one request (and one answer) over the limit.
      const a = valueEncodedWithin(600_000);
      const b = `${a.slice(1)}x`;
      const [requests, refused, tooLarge] = [kv.shim.requests, kv.shim.refusedTooLarge, kv.shim.answersTooLarge];
      expect(await Promise.all([store.set("a", a), store.set("b", b, { ttlMs: 60_000 })])).toEqual([true, true]);
      expect(await Promise.all([store.get("a"), store.get("b"), store.getMany(["b", "small"])])).toEqual([a, b, [b, undefined]]);
      expect(kv.shim.requests - requests).toBe(5);
      expect([kv.shim.refusedTooLarge, kv.shim.answersTooLarge]).toEqual([refused, tooLarge]);
    });

    it("why the cap is below the limit: a value a SET could carry may be too big to read back", async () => {
      const text = encodeValue(valueEncodedWithin(900_000));
      await kv.direct.set("between", text); // a request of ~900 KB: under the limit
      const tooLarge = kv.shim.answersTooLarge;
      await expect(store.get("between")).rejects.toThrow(/max request size exceeded/);
      expect(kv.shim.answersTooLarge).toBe(tooLarge + 1);
    });

    it("getMany splits many keys into MGETs that fit, and keeps their order; a feed's 200 summaries are one", async () => {
      const summaryKey = (i: number) =>
        storeKeys.summary(`2606.${String(10000 + i)}v1`, "openai/gpt-4o-mini", "AbCdEfGhIjKl", "abstract");
      const few = Array.from({ length: 200 }, (_, i) => summaryKey(i));
      expect(Buffer.byteLength(JSON.stringify(["mget", ...few]))).toBeLessThan(25_000);
      await store.set(few[7]!, { markdown: "# 7" });
      kv.shim.commands.length = 0;
      const fewValues = await store.getMany(few);
      expect(fewValues[7]).toEqual({ markdown: "# 7" });
      expect(fewValues.filter((v) => v !== undefined)).toHaveLength(1);
      expect(commandNames(kv.shim)).toEqual(["mget"]);
      await store.del(few[7]!);

      // 15,000 keys of ~85 bytes (2,000 papers a day for a week): over a MiB, more than one MGET can carry.
      const many = Array.from({ length: 15_000 }, (_, i) => summaryKey(i));
      expect(Buffer.byteLength(JSON.stringify(["mget", ...many]))).toBeGreaterThan(VERCEL_KV_MAX_REQUEST_BYTES);
      for (const i of [0, 7_000, 14_999]) await store.set(many[i]!, i);
      kv.shim.commands.length = 0;
      const refused = kv.shim.refusedTooLarge;
      const values = await store.getMany(many);
      expect(kv.shim.refusedTooLarge).toBe(refused);
      expect(commandNames(kv.shim).filter((c) => c === "mget").length).toBeGreaterThanOrEqual(2);
      expect(values).toHaveLength(many.length);
      values.forEach((value, i) => expect(value, String(i)).toBe([0, 7_000, 14_999].includes(i) ? i : undefined));
    });
  });

  describe("damaged or foreign values", () => {
    const corrupt = {
      badBase64: "gz1:notbase64",
      emptyGzip: "gz1:",
      notGzip: "gz1:" + Buffer.from("plain text, not gzip").toString("base64"),
      gzipNotJson: "gz1:" + gzipSync("{not json").toString("base64"),
      notJson: "{not json",
      bareWord: "hello",
      truncatedJson: '{"markdown":"## Hi',
    };

    it("read as something the callers' schemas reject, never throw (get and getMany)", async () => {
      for (const [key, raw] of Object.entries(corrupt)) await kv.direct.set(key, raw);
      for (const key of Object.keys(corrupt)) {
        const value = await store.get(key);
        expect(recordSchema.safeParse(value).success, key).toBe(false);
      }
      const many = await store.getMany(Object.keys(corrupt));
      expect(many).toHaveLength(Object.keys(corrupt).length);
      for (const value of many) expect(recordSchema.safeParse(value).success).toBe(false);
    });

    it("a damaged summary is not served, and a damaged category state is treated as unknown", async () => {
      const config = parseConfig({ categories: ["cs.AI"], ai_summary: { enabled: true } }).aiSummary;
      const prompt = "Summarize the paper.";
      const paper = makePaper({ id: "2606.77777", version: 2 });
      const reported: string[] = [];
      const summaries = createSummaries({
        store,
        model: { name: "test-model", complete: async () => ({ ok: false, reason: "network", message: "not used" }) },
        config,
        prompt,
        now: () => Date.parse("2026-06-30T14:00:00Z"),
        log: silentLogger,
        fullText: async () => ({ kind: "none" as const }),
        retrySeconds: 900,
        degraded: () => false,
        onCorruptRead: (k) => reported.push(k),
      });
      const key = storeKeys.summary(`${paper.id}v${paper.version}`, "test-model", promptFingerprint(prompt, config.language), config.source);
      // A good record is found ...
      await store.set(key, { markdown: "## Fine", model: "test-model", sourceUsed: "abstract", createdAt: "2026-06-30T14:00:00Z" });
      expect((await summaries.lookup([paper])).get(paper.id)?.markdown).toBe("## Fine");
      // ... a damaged one is not, and nothing throws.
      for (const raw of Object.values(corrupt)) {
        await kv.direct.set(key, raw);
        expect((await summaries.lookup([paper])).size, raw).toBe(0);
      }
      // ... and each damaged read is reported (health counts them).
      expect(reported).toEqual(Object.values(corrupt).map(() => key));

      const source = createArxivSource({
        store,
        fetch: () => Promise.reject(new Error("no network in this test")),
        now: Date.now,
        sleep,
        log: silentLogger,
        arxivRssUrl: "http://127.0.0.1:9/rss",
        minIntervalMs: 0,
        timeoutMs: 100,
        maxWaitMs: 100,
        retrySeconds: 300,
        daysBack: 5,
        configured: ["cs.AI", "cs.CL", "cs.CV", "cs.DC", "cs.LG"],
        otherFetchesPerHour: 1000,
        staleWaitMs: 10_000,
        userAgent: "test",
      });
      for (const raw of Object.values(corrupt)) {
        await kv.direct.set(storeKeys.categoryState("cs.AI"), raw);
        expect(await source.peek("cs.AI"), raw).toBeUndefined();
      }
    });
  });

  describe("failures", () => {
    it("a wrong token is an error, not a silent miss", async () => {
      const wrong = kv.connect(1000, "wrong-token");
      await expect(wrong.get("k")).rejects.toThrow();
      await expect(wrong.set("k", 1)).rejects.toThrow();
    });

    it("a KV that is down makes every operation reject quickly (one retry, not the SDK's five)", async () => {
      const timeoutMs = 2000;
      const down = kv.connect(timeoutMs);
      await down.set("k", "before");
      kv.shim.setDown(true);
      const ops: [string, () => Promise<unknown>][] = [
        ["get", () => down.get("k")],
        ["getMany", () => down.getMany(["k", "j"])],
        ["set", () => down.set("k", "v", { ttlMs: 1000 })],
        ["set nx", () => down.set("lock", "v", { onlyIfAbsent: true, ttlMs: 1000 })],
        ["del", () => down.del("k")],
        ["incr", () => down.incr("n", 1000)],
      ];
      for (const [name, op] of ops) {
        const { ms, result } = await elapsed(op);
        expect(result.status, name).toBe("rejected");
        // One retry after 100 ms takes about that long; the SDK's default (5 retries with exponential
        // backoff, about 4.3 s) would outlast the timeout.
        expect(ms, name).toBeLessThan(timeoutMs);
      }
      kv.shim.setDown(false);
      // The same store works again as soon as KV answers.
      expect(await down.get("k")).toBe("before");
    });

    it("a KV that accepts connections but never answers is given up on after about the timeout", async () => {
      let requests = 0;
      const hanging = new Set<ServerResponse>();
      const server: Server = createServer((_req, res) => {
        requests++;
        hanging.add(res);
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const { port } = server.address() as AddressInfo;
      try {
        const timeoutMs = 400;
        const slow = KvStore.connect({ url: `http://127.0.0.1:${port}`, token: "t", timeoutMs });
        for (const op of [() => slow.get("k"), () => slow.set("k", 1), () => slow.incr("n", 1000)]) {
          const { ms, result } = await elapsed(op);
          expect(result.status).toBe("rejected");
          expect(ms).toBeGreaterThanOrEqual(timeoutMs - 50);
          expect(ms).toBeLessThan(timeoutMs * 2 + 500);
        }
        // At most one retry per operation.
        expect(requests).toBeLessThanOrEqual(6);
      } finally {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });
  });
});
