// I/O: a category's papers, from the store when fresh, else from arXiv (politely, one fetch per category
// at a time across all instances). A failed or empty fetch never replaces the last good papers.
import { createHash } from "node:crypto";
import { z } from "zod";
import { AppError } from "../errors";
import type { Logger } from "../log";
import { storeKeys } from "../store/keys";
import { tryLock, type Lock } from "../store/lock";
import type { Store } from "../store/types";
import { ANNOUNCE_TYPES, type AnnouncementDay, type Paper } from "../types";
import { fetchCategoryFeed, type FetchOutcome } from "./fetch";
import { isArxivId } from "./ids";
import { withArxivTurn } from "./polite";
import { expectedAnnouncementDate, nextArxivUpdate } from "./schedule";

export interface ArxivSourceDeps {
  store: Store;
  fetch: typeof fetch;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  log: Logger;
  arxivRssUrl: string;
  minIntervalMs: number;
  timeoutMs: number;
  /** How long a request waits for its turn (or for another instance's fetch) before serving what it has. */
  maxWaitMs: number;
  retrySeconds: number;
  daysBack: number;
  userAgent: string;
}

export interface CategoryProblem {
  reason: string;
  message: string;
  /** When arXiv will be asked again (epoch ms). */
  retryAt: number;
  /** When this run of failures began (epoch ms). */
  since?: number;
}

export interface CategorySnapshot {
  category: string;
  /** Content version (a hash of the papers); undefined when nothing was ever fetched. */
  version?: string;
  days: AnnouncementDay<Paper>[];
  /** When the papers last changed (epoch ms). */
  changedAt?: number;
  /** Until when these papers are current (epoch ms). */
  nextCheckAt: number;
  /** Set when the papers are older than they should be because arXiv could not be asked or failed. */
  problem?: CategoryProblem;
}

const categoryStateSchema = z.object({
  category: z.string(),
  version: z.string().optional(),
  changedAt: z.number().optional(),
  fetchedAt: z.number().optional(),
  checkedAt: z.number(),
  nextCheckAt: z.number(),
  failures: z.number().int().min(0),
  /** When the current run of failures began. */
  failingSince: z.number().optional(),
  /** The newest announcement day held. */
  latestDay: z.string().optional(),
  lastError: z.object({ reason: z.string(), message: z.string(), at: z.number() }).optional(),
  unknown: z.boolean().optional(),
});
type CategoryState = z.infer<typeof categoryStateSchema>;

// What the renderers rely on is checked here: a stored value can never supply a link or a broken date.
const paperSchema = z.object({
  id: z.string().refine(isArxivId),
  version: z.number().int().min(1),
  title: z.string(),
  abstract: z.string(),
  authors: z.array(z.string()),
  categories: z.array(z.string()).min(1),
  announceType: z.enum(ANNOUNCE_TYPES),
  announced: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  license: z.string().optional(),
  doi: z.string().optional(),
  journalRef: z.string().optional(),
});

const papersRecordSchema = z.object({
  version: z.string(),
  days: z.array(z.object({ date: z.string(), papers: z.array(paperSchema) })),
});
type PapersRecord = z.infer<typeof papersRecordSchema>;

// Old versions of a category's papers stay readable for a while, then expire on their own.
const PAPERS_TTL_MS = 40 * 86_400_000;
const STATE_TTL_MS = 40 * 86_400_000;
const MAX_BACKOFF_MS = 3_600_000;
const LOCAL_CACHE_CATEGORIES = 64;
/** The longest a state is trusted without reading the store again (a failing store's copy, a clock jump). */
const STATE_CACHE_MS = 10 * 60_000;

export interface ArxivSource {
  /** The category's papers, refreshed from arXiv first if arXiv has had an update since the last fetch. */
  load(category: string): Promise<CategorySnapshot>;
  /** What the store knows of a category, without asking arXiv. */
  peek(category: string): Promise<CategoryStatus | undefined>;
}

export interface CategoryStatus {
  category: string;
  version?: string;
  /** The newest announcement day held. */
  latestDay?: string;
  /** The last successful fetch. */
  fetchedAt?: string;
  /** The last time arXiv was asked, whatever it answered. */
  checkedAt: string;
  changedAt?: string;
  nextCheckAt: string;
  failures: number;
  failingSince?: string;
  lastError?: { reason: string; message: string; at: string };
  unknown?: boolean;
}

export function createArxivSource(deps: ArxivSourceDeps): ArxivSource {
  const inflight = new Map<string, Promise<CategorySnapshot>>();
  // Parsed papers by "category:version", the latest of each category: read once, not once per request.
  const localPapers = new Map<string, PapersRecord>();

  async function readState(category: string): Promise<CategoryState | undefined> {
    const parsed = categoryStateSchema.safeParse(await deps.store.get(storeKeys.categoryState(category)));
    const state = parsed.success && parsed.data.category === category ? parsed.data : undefined;
    if (state) rememberState(state);
    return state;
  }

  // A category's state holds until its nextCheckAt: nothing (no instance) changes it before then, since
  // every refresh waits for that moment. So a warm poll reads it from here, not from the store.
  const stateCache = new Map<string, { state: CategoryState; until: number }>();

  function rememberState(state: CategoryState): void {
    stateCache.delete(state.category);
    stateCache.set(state.category, { state, until: Math.min(state.nextCheckAt, deps.now() + STATE_CACHE_MS) });
    if (stateCache.size > LOCAL_CACHE_CATEGORIES) stateCache.delete(stateCache.keys().next().value!);
  }

  async function currentState(category: string): Promise<CategoryState | undefined> {
    const hit = stateCache.get(category);
    if (hit && deps.now() < hit.until) return hit.state;
    return readState(category);
  }

  async function readPapers(category: string, version: string): Promise<PapersRecord | undefined> {
    const cacheKey = `${category}:${version}`;
    const cached = localPapers.get(cacheKey);
    if (cached) return cached;
    const raw = await deps.store.get(storeKeys.categoryPapers(category, version));
    if (raw === undefined) return undefined;
    const parsed = papersRecordSchema.safeParse(raw);
    if (!parsed.success || parsed.data.version !== version) {
      deps.log.warn("stored papers are unreadable; treating as missing", { category, version });
      return undefined;
    }
    remember(cacheKey, parsed.data);
    return parsed.data;
  }

  function remember(cacheKey: string, record: PapersRecord): void {
    // One version per category: the one just read or written replaces the category's older one.
    const category = cacheKey.slice(0, cacheKey.lastIndexOf(":"));
    for (const key of localPapers.keys()) if (key.startsWith(`${category}:`)) localPapers.delete(key);
    localPapers.set(cacheKey, record);
    if (localPapers.size > LOCAL_CACHE_CATEGORIES) localPapers.delete(localPapers.keys().next().value!);
  }

  async function snapshot(category: string, state: CategoryState | undefined, problem?: CategoryProblem) {
    if (state?.unknown) throw new AppError("not_found", `arXiv has no category "${category}"`);
    const record = state?.version ? await readPapers(category, state.version) : undefined;
    const result: CategorySnapshot = {
      category,
      version: record?.version,
      days: record?.days ?? [],
      changedAt: record ? state?.changedAt : undefined,
      nextCheckAt: state?.nextCheckAt ?? deps.now(),
    };
    const lastError = state?.lastError;
    if (problem) result.problem = problem;
    else if (lastError && state && state.failures > 0) {
      result.problem = {
        reason: lastError.reason,
        message: lastError.message,
        retryAt: state.nextCheckAt,
        ...(state.failingSince !== undefined ? { since: state.failingSince } : {}),
      };
    }
    return result;
  }

  /** Papers are missing although the state names a version (expired or corrupt): fetch again. */
  async function isUsable(category: string, state: CategoryState | undefined): Promise<boolean> {
    if (!state) return false;
    if (state.unknown || !state.version) return true;
    return (await readPapers(category, state.version)) !== undefined;
  }

  async function load(category: string): Promise<CategorySnapshot> {
    const state = await currentState(category);
    if (state && deps.now() < state.nextCheckAt && (await isUsable(category, state))) {
      return snapshot(category, state);
    }
    let pending = inflight.get(category);
    if (!pending) {
      pending = refresh(category).finally(() => inflight.delete(category));
      inflight.set(category, pending);
    }
    return pending;
  }

  async function refresh(category: string): Promise<CategorySnapshot> {
    const deadline = deps.now() + deps.maxWaitMs;
    const lockKey = storeKeys.categoryLock(category);
    const pollMs = Math.min(250, Math.max(10, Math.floor(deps.minIntervalMs / 4)));
    // Take the category's lock, or wait on its holder: a fresh state (its result) ends the wait, and a
    // lock released or expired without one (the holder gave up or died) is ours to take.
    let lock: Lock | undefined;
    while (!(lock = await tryLock(deps.store, lockKey, deps.maxWaitMs + deps.timeoutMs + 10_000))) {
      const state = await readState(category);
      if (state && deps.now() < state.nextCheckAt && (await isUsable(category, state))) return snapshot(category, state);
      if (deps.now() >= deadline + deps.timeoutMs) {
        return snapshot(category, state, {
          reason: "busy",
          message: "another instance is still fetching this category from arXiv",
          retryAt: deps.now() + Math.max(1000, deps.minIntervalMs),
        });
      }
      await deps.sleep(pollMs);
    }
    try {
      // Another instance may have finished a refresh between our read and our lock.
      const current = await readState(category);
      if (current && deps.now() < current.nextCheckAt && (await isUsable(category, current))) {
        return snapshot(category, current);
      }
      const turn = await withArxivTurn(
        { store: deps.store, now: deps.now, sleep: deps.sleep, intervalMs: deps.minIntervalMs, requestTimeoutMs: deps.timeoutMs },
        deadline,
        () =>
          fetchCategoryFeed(category, {
            baseUrl: deps.arxivRssUrl,
            timeoutMs: deps.timeoutMs,
            userAgent: deps.userAgent,
            fetch: deps.fetch,
          }),
      );
      if (!turn.ran) {
        const retryAt = deps.now() + Math.max(1000, deps.minIntervalMs);
        return snapshot(category, current, {
          reason: "busy",
          message: "arXiv is being asked for other categories; try again in a few seconds",
          retryAt,
        });
      }
      return await record(category, current, turn.value);
    } finally {
      await lock.release();
    }
  }

  async function record(category: string, previous: CategoryState | undefined, outcome: FetchOutcome) {
    const now = deps.now();
    const base: CategoryState = previous ?? { category, checkedAt: now, nextCheckAt: now, failures: 0 };
    if (outcome.kind === "unknown-category" && base.version) {
      // arXiv served this category before: a sudden "Feed error" is more likely a glitch than a removal.
      outcome = { kind: "unavailable", reason: "http-error", message: `arXiv said: ${outcome.message}` };
    }
    if (outcome.kind === "unknown-category") {
      deps.log.warn("arXiv does not know this category", { category, message: outcome.message });
      await writeState({ category, checkedAt: now, nextCheckAt: nextArxivUpdate(now), failures: 0, unknown: true });
      throw new AppError("not_found", `arXiv has no category "${category}"`);
    }
    if (outcome.kind === "unavailable") {
      const failures = base.failures + 1;
      const backoff = Math.min(deps.retrySeconds * 1000 * 2 ** (failures - 1), MAX_BACKOFF_MS);
      const asked = Math.min((outcome.retryAfterSeconds ?? 0) * 1000, MAX_BACKOFF_MS);
      const state: CategoryState = {
        ...base,
        unknown: undefined,
        checkedAt: now,
        nextCheckAt: now + Math.max(backoff, asked),
        failures,
        failingSince: base.failures > 0 ? (base.failingSince ?? base.lastError?.at ?? now) : now,
        lastError: { reason: outcome.reason, message: outcome.message, at: now },
      };
      deps.log.warn("arXiv fetch failed; keeping the last good papers", {
        category,
        reason: outcome.reason,
        message: outcome.message,
        failures,
        retryAt: new Date(state.nextCheckAt).toISOString(),
      });
      await writeState(state);
      return snapshot(category, state);
    }

    if (outcome.skipped > 0) deps.log.warn("skipped unreadable feed items", { category, skipped: outcome.skipped });
    const previousRecord = base.version ? await readPapers(category, base.version) : undefined;
    const days = mergeDays(previousRecord?.days ?? [], outcome.papers, deps.daysBack);
    const version = days.length ? contentVersion(days) : undefined;
    const changed = version !== base.version;
    // Also rewrite unchanged papers whose stored copy expired or was unreadable.
    if (version && (changed || !previousRecord)) {
      const rec: PapersRecord = { version, days };
      await deps.store.set(storeKeys.categoryPapers(category, version), rec, { ttlMs: PAPERS_TTL_MS });
      remember(`${category}:${version}`, rec);
    }
    const feedDate = outcome.date ?? outcome.papers.map((p) => p.announced).sort().at(-1);
    const state: CategoryState = {
      category,
      version,
      changedAt: changed ? now : base.changedAt,
      fetchedAt: now,
      checkedAt: now,
      nextCheckAt: nextCheckAfterFetch(now, feedDate, outcome.papers.length > 0, deps.retrySeconds),
      failures: 0,
      ...(days[0] ? { latestDay: days[0].date } : {}),
    };
    deps.log.info("fetched arXiv feed", {
      category,
      papers: outcome.papers.length,
      date: feedDate,
      changed,
      nextCheckAt: new Date(state.nextCheckAt).toISOString(),
    });
    await writeState(state);
    // Only the current version is ever read: the previous one goes (a reader that still names it finds
    // it missing, re-reads the state and gets this one).
    if (changed && base.version) await deps.store.del(storeKeys.categoryPapers(category, base.version));
    return snapshot(category, state);
  }

  async function writeState(state: CategoryState): Promise<void> {
    await deps.store.set(storeKeys.categoryState(state.category), state, { ttlMs: STATE_TTL_MS });
    rememberState(state);
  }

  async function peek(category: string): Promise<CategoryStatus | undefined> {
    const state = await readState(category);
    if (!state) return undefined;
    const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
    return {
      category,
      version: state.version,
      latestDay: state.latestDay,
      fetchedAt: iso(state.fetchedAt),
      checkedAt: iso(state.checkedAt)!,
      changedAt: iso(state.changedAt),
      nextCheckAt: iso(state.nextCheckAt)!,
      failures: state.failures,
      ...(state.failures > 0 && state.failingSince !== undefined ? { failingSince: iso(state.failingSince) } : {}),
      ...(state.lastError && state.failures > 0 ? { lastError: { ...state.lastError, at: iso(state.lastError.at)! } } : {}),
      ...(state.unknown ? { unknown: true } : {}),
    };
  }

  return { load, peek };
}

/**
 * A feed is current when it is dated the day arXiv should be announcing (or later): then it holds until
 * arXiv's next update, empty or not (a weekend or holiday brings nothing more). A feed still dated an
 * older day means arXiv has not rebuilt it yet: ask again after `retrySeconds`.
 */
export function nextCheckAfterFetch(now: number, feedDate: string | undefined, hasPapers: boolean, retrySeconds: number) {
  const next = nextArxivUpdate(now);
  const current = feedDate !== undefined ? feedDate >= expectedAnnouncementDate(now) : !hasPapers;
  return current ? next : Math.min(now + retrySeconds * 1000, next);
}

/** Adds a fetch's papers to the kept days: each announcement day it carries replaces that day. */
export function mergeDays(
  previous: readonly AnnouncementDay<Paper>[],
  papers: readonly Paper[],
  daysBack: number,
): AnnouncementDay<Paper>[] {
  const fetched = new Map<string, Paper[]>();
  for (const paper of papers) {
    const day = fetched.get(paper.announced);
    if (day) day.push(paper);
    else fetched.set(paper.announced, [paper]);
  }
  const days = [
    ...[...fetched].map(([date, dayPapers]) => ({ date, papers: dayPapers })),
    ...previous.filter((d) => !fetched.has(d.date)),
  ];
  return days.sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0)).slice(0, daysBack);
}

function contentVersion(days: readonly AnnouncementDay<Paper>[]): string {
  return createHash("sha256").update(JSON.stringify(days)).digest("base64url").slice(0, 16);
}
