// Shared helpers for the I/O unit tests: a controllable clock, loggers, timing checks, source wiring.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { createArxivSource, type ArxivSource, type ArxivSourceDeps } from "../../lib/arxiv/source";
import type { LogFields, Logger } from "../../lib/log";
import { MemoryStore } from "../../lib/store/memory";
import type { ArxivFixtureServer } from "../servers/arxiv-fixture-server";

export interface Clock {
  now: () => number;
  advance(ms: number): void;
  set(t: number): void;
}

export function fakeClock(start: number): Clock {
  let t = start;
  return {
    now: () => t,
    advance(ms) {
      t += ms;
    },
    set(value) {
      t = value;
    },
  };
}

export const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Sleeping moves the fake clock forward (virtual time) and lets real I/O run meanwhile. */
export function virtualSleep(clock: Clock): (ms: number) => Promise<void> {
  return async (ms) => {
    clock.advance(ms);
    await new Promise<void>((resolve) => setImmediate(resolve));
  };
}

/** An instant given as a US Eastern wall-clock time in summer (EDT, UTC-4), e.g. et("2026-06-30", "10:00"). */
export function et(date: string, time = "00:00"): number {
  return Date.parse(`${date}T${time}:00-04:00`);
}

export interface LogEntry {
  level: "info" | "warn" | "error";
  message: string;
  fields?: LogFields;
}

export function recordingLogger(): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  return {
    entries,
    info: (message, fields) => void entries.push({ level: "info", message, fields }),
    warn: (message, fields) => void entries.push({ level: "warn", message, fields }),
    error: (message, fields) => void entries.push({ level: "error", message, fields }),
  };
}

export interface Span {
  startedAt: number;
  endedAt?: number;
}

/**
 * Problems with a set of request spans that must run one at a time, at least `gapMs` apart (end of one
 * to start of the next). Empty when the spans are fine.
 */
export function serialProblems(spans: readonly Span[], gapMs: number): string[] {
  const sorted = [...spans].sort((a, b) => a.startedAt - b.startedAt);
  const problems: string[] = [];
  for (const [i, s] of sorted.entries()) {
    if (s.endedAt === undefined) problems.push(`span ${i} never ended`);
  }
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const next = sorted[i]!;
    const gap = next.startedAt - (prev.endedAt ?? Infinity);
    if (gap < gapMs) problems.push(`span ${i} started ${gap} ms after span ${i - 1} ended (want >= ${gapMs})`);
  }
  return problems;
}

export interface SourceHarness {
  source: ArxivSource;
  store: MemoryStore;
  clock: Clock;
  log: ReturnType<typeof recordingLogger>;
  deps: ArxivSourceDeps;
}

/** A source on a fake clock (virtual sleep) with its own MemoryStore, asking the fixture server. */
export function sourceHarness(
  server: Pick<ArxivFixtureServer, "rssUrl">,
  start: number,
  overrides: Partial<ArxivSourceDeps> & { clock?: Clock } = {},
): SourceHarness {
  const clock = overrides.clock ?? fakeClock(start);
  const store = (overrides.store as MemoryStore | undefined) ?? new MemoryStore(clock.now);
  const log = recordingLogger();
  const deps: ArxivSourceDeps = {
    store,
    fetch: globalThis.fetch,
    now: clock.now,
    sleep: virtualSleep(clock),
    log,
    arxivRssUrl: server.rssUrl,
    minIntervalMs: 0,
    timeoutMs: 2000,
    maxWaitMs: 60_000,
    retrySeconds: 300,
    daysBack: 5,
    userAgent: "arxiv-rss-bot/test (+https://example.org; unit tests)",
    configured: ["cs.AI", "cs.CL", "cs.CV", "cs.DC", "cs.LG"],
    otherFetchesPerHour: 1000,
    // Long enough for any local answer: only tests of serving stale papers make it short.
    staleWaitMs: 10_000,
    ...overrides,
  };
  return { source: createArxivSource(deps), store, clock, log, deps };
}

/** A tiny programmable HTTP server on 127.0.0.1 for answers the fixture server does not give. */
export interface StubServer {
  url: string;
  handle(handler: (req: IncomingMessage, res: ServerResponse) => void): void;
  close(): Promise<void>;
}

export async function startStubServer(): Promise<StubServer> {
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(500).end();
  };
  const open = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    open.add(res);
    res.on("close", () => open.delete(res));
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    handle(h) {
      handler = h;
    },
    async close() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A test server for the whole file: started before its tests, reset before each (when it can be), closed
 * after. The object returned forwards to the server once it has started, so tests use it as the server.
 */
export function serverForTests<T extends { close(): Promise<void>; reset?(): void }>(start: () => Promise<T>): T {
  let server: T | undefined;
  beforeAll(async () => {
    server = await start();
  });
  afterAll(async () => {
    await server?.close();
  });
  beforeEach(() => server?.reset?.());
  return new Proxy({} as T, {
    get(_, key) {
      if (!server) throw new Error("the test server is used before beforeAll started it");
      const value: unknown = Reflect.get(server, key);
      return typeof value === "function" ? value.bind(server) : value;
    },
  });
}

/** The fixtures' announcement day (Tue 30 Jun 2026) and the next ones, at times the tests use. */
export const TUE_10AM = et("2026-06-30", "10:00");
export const WED_00 = et("2026-07-01");
export const WED_10AM = et("2026-07-01", "10:00");
export const THU_00 = et("2026-07-02");

/** A small deterministic PRNG (mulberry32), so a failing random test reproduces. */
export function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
