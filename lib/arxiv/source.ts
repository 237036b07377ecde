// I/O: a category's papers, from the store when fresh, else from arXiv (politely, one fetch per category
// at a time across all instances). A failed or empty fetch never replaces the last good papers.
import { createHash } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { z } from "zod";
import { AppError } from "../errors";
import type { Logger } from "../log";
import { storeKeys } from "../store/keys";
import { tryLock, type Lock } from "../store/lock";
import type { Store } from "../store/types";
import { ANNOUNCE_TYPES, type AnnouncementDay, type Paper } from "../types";
import { categoryFromUnion } from "./compose";
import { fetchCategoryFeed, type FetchOutcome } from "./fetch";
import { MAX_FEED_ITEMS } from "./parse";
import { isArxivId } from "./ids";
import { arxivAnswered, currentArxivPause, MAX_ARXIV_PAUSE_MS, pauseArxiv, withArxivTurn, type ArxivPause } from "./polite";
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
  /** config.json's categories: fetched before any other, never over a budget, kept longest. */
  configured: readonly string[];
  /** arXiv fetches per hour for categories not in config.json, across all instances. */
  otherFetchesPerHour: number;
  /** How long a reader with papers cached waits for a due refresh before getting those papers. */
  staleWaitMs: number;
  /** Told of each value read back from the store that fails validation (health counts them). */
  onCorruptRead?: (key: string) => void;
}

export interface LoadOptions {
  /** Keeps work alive after the response (Next's `after`): a refresh that outlives a reader's wait. */
  background?: (task: Promise<unknown>) => void;
  /** Wait for a due refresh however long it takes (the cron), rather than serve the cached papers. */
  waitForRefresh?: boolean;
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
  /** How many store values the papers of `version` are split into. */
  parts: z.number().int().min(1).max(1000).optional(),
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

const dayRecordSchema = z.object({ date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), papers: z.array(paperSchema) });

/** One stored value of a version's papers; a day may continue in the next part. */
const papersPartSchema = z.object({
  version: z.string(),
  part: z.number().int().min(0),
  days: z.array(dayRecordSchema),
});

interface PapersRecord {
  version: string;
  days: AnnouncementDay<Paper>[];
  parts: number;
}

// A configured category's papers and state outlive any outage; another category's go after a few days,
// so that strangers' curiosity cannot fill the store.
const CONFIGURED_TTL_MS = 40 * 86_400_000;
const OTHER_TTL_MS = 3 * 86_400_000;
const MAX_BACKOFF_MS = 3_600_000;
/** Other categories whose papers and state this process keeps in memory (configured ones are always kept). */
const LOCAL_OTHER_CATEGORIES = 16;
/** Refreshes of other categories one process runs or waits on at once; more get "busy" at once. */
const MAX_OTHER_REFRESHES = 4;
/** The longest a request for another category waits for arXiv's gate. */
const OTHER_MAX_WAIT_MS = 10_000;
/** Papers per stored value stay under this much JSON, far below Upstash's request limit even uncompressed. */
const PART_MAX_CHARS = 512 * 1024;
/** The longest a state is trusted without reading the store again (a failing store's copy, a clock jump). */
const STATE_CACHE_MS = 10 * 60_000;

export interface ArxivSource {
  /** The category's papers, refreshed from arXiv first if arXiv has had an update since the last fetch. */
  load(category: string, options?: LoadOptions): Promise<CategorySnapshot>;
  /** Several categories' papers, one promise each; those due are fetched from arXiv in one request. */
  loadAll(categories: readonly string[], options?: LoadOptions): Promise<CategorySnapshot>[];
  /** What the store knows of a category, without asking arXiv. */
  peek(category: string): Promise<CategoryStatus | undefined>;
  /** The arXiv-wide pause in force (arXiv asked every client to slow down), if any. */
  pause(): Promise<{ until: string; message: string } | undefined>;
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
  const configured = new Set(deps.configured);
  const isConfigured = (category: string) => configured.has(category);
  const ttlOf = (category: string) => (isConfigured(category) ? CONFIGURED_TTL_MS : OTHER_TTL_MS);
  const polite = { store: deps.store, now: deps.now, sleep: deps.sleep, intervalMs: deps.minIntervalMs, requestTimeoutMs: deps.timeoutMs };
  const inflight = new Map<string, Promise<CategorySnapshot>>();
  // Parsed papers, the latest version of each category: read once, not once per request.
  const localPapers = new Map<string, PapersRecord>();
  // A category's state holds until its nextCheckAt: nothing (no instance) changes it before then, since
  // every refresh waits for that moment. So a warm poll reads it from here, not from the store.
  const stateCache = new Map<string, { state: CategoryState; until: number }>();
  // The last state seen of each category, however old: what a corrupt stored state is rewritten from.
  const lastKnownStates = new Map<string, CategoryState>();
  // Versions whose stored papers proved unreadable: not read (nor reported) again until rewritten.
  const unreadablePapers = new Map<string, string>();
  let otherRefreshes = 0;
  // The hour (UTC, `YYYY-MM-DDTHH`) whose budget of other categories' fetches this process saw spent.
  let otherBudgetSpentHour: string | undefined;

  /** Keeps `value` under `category`, most recent last; other categories beyond the bound are forgotten. */
  function keepLocal<V>(map: Map<string, V>, category: string, value: V): void {
    map.delete(category);
    map.set(category, value);
    let others = 0;
    for (const key of map.keys()) if (!isConfigured(key)) others++;
    for (const key of map.keys()) {
      if (others <= LOCAL_OTHER_CATEGORIES) break;
      if (!isConfigured(key)) {
        map.delete(key);
        others--;
      }
    }
  }

  function corrupt(key: string, what: string, context: Record<string, unknown>): void {
    deps.log.warn(`stored ${what} failed validation; treating it as missing`, { key, ...context });
    deps.onCorruptRead?.(key);
  }

  async function readState(category: string): Promise<CategoryState | undefined> {
    const key = storeKeys.categoryState(category);
    const raw = await deps.store.get(key);
    if (raw === undefined) return undefined;
    const parsed = categoryStateSchema.safeParse(raw);
    if (parsed.success && parsed.data.category === category) {
      rememberState(parsed.data);
      return parsed.data;
    }
    corrupt(key, "category state", { category });
    // Rewrite what this process knew; without that, the category is fetched again as if new.
    const known = lastKnownStates.get(category);
    if (known) await writeState(known);
    else await deps.store.del(key);
    return known;
  }

  function rememberState(state: CategoryState): void {
    keepLocal(stateCache, state.category, { state, until: Math.min(state.nextCheckAt, deps.now() + STATE_CACHE_MS) });
    keepLocal(lastKnownStates, state.category, state);
  }

  async function currentState(category: string): Promise<CategoryState | undefined> {
    const hit = stateCache.get(category);
    if (hit && deps.now() < hit.until) return hit.state;
    return readState(category);
  }

  async function readPapers(category: string, state: CategoryState): Promise<PapersRecord | undefined> {
    const { version, parts } = state;
    if (!version || !parts) return undefined;
    const cached = localPapers.get(category);
    if (cached?.version === version) return cached;
    if (unreadablePapers.get(category) === version) return undefined;
    const keys = Array.from({ length: parts }, (_, i) => storeKeys.categoryPapers(category, version, i));
    const values = await deps.store.getMany(keys);
    if (values.some((v) => v === undefined)) return undefined;
    const days: AnnouncementDay<Paper>[] = [];
    for (const [i, value] of values.entries()) {
      const parsed = papersPartSchema.safeParse(value);
      if (!parsed.success || parsed.data.version !== version || parsed.data.part !== i) {
        corrupt(keys[i]!, "papers", { category, version });
        keepLocal(unreadablePapers, category, version);
        return undefined;
      }
      for (const day of parsed.data.days) {
        const last = days.at(-1);
        if (last?.date === day.date) last.papers.push(...day.papers);
        else days.push(day);
      }
    }
    const record = { version, days, parts };
    keepLocal(localPapers, category, record);
    return record;
  }

  /** Writes a version's papers in parts small enough for any store; returns how many. */
  async function writePapers(category: string, version: string, days: AnnouncementDay<Paper>[]): Promise<PapersRecord> {
    const parts = splitIntoParts(days, PART_MAX_CHARS);
    await Promise.all(
      parts.map((partDays, part) =>
        deps.store.set(storeKeys.categoryPapers(category, version, part), { version, part, days: partDays }, { ttlMs: ttlOf(category) }),
      ),
    );
    const record = { version, days, parts: parts.length };
    keepLocal(localPapers, category, record);
    unreadablePapers.delete(category);
    return record;
  }

  async function deletePapers(category: string, version: string, parts: number): Promise<void> {
    await Promise.all(Array.from({ length: parts }, (_, i) => deps.store.del(storeKeys.categoryPapers(category, version, i))));
  }

  async function snapshot(category: string, state: CategoryState | undefined, problem?: CategoryProblem) {
    if (state?.unknown) throw new AppError("not_found", `arXiv has no category "${category}"`);
    const record = state ? await readPapers(category, state) : undefined;
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
    return (await readPapers(category, state)) !== undefined;
  }

  const isCurrent = async (category: string, state: CategoryState | undefined): Promise<boolean> =>
    state !== undefined && deps.now() < state.nextCheckAt && (await isUsable(category, state));

  /** Whether arXiv should be asked for the category now: its papers are not current, and no failure's backoff holds. */
  async function isDue(category: string, state: CategoryState | undefined): Promise<boolean> {
    if (await isCurrent(category, state)) return false;
    // In a failure's backoff with its papers gone: arXiv is not asked again before the backoff ends.
    return !(state && state.failures > 0 && deps.now() < state.nextCheckAt);
  }

  function load(category: string, options: LoadOptions = {}): Promise<CategorySnapshot> {
    return loadAll([category], options)[0]!;
  }

  /**
   * The categories' papers, one promise each (a category arXiv disowns rejects alone). Those due are
   * fetched together, in one request for all of them (arXiv serves any `+` union in one feed): the cron's
   * and a cold `/rss`'s one request per announcement for the deployment's own categories.
   */
  function loadAll(categories: readonly string[], options: LoadOptions = {}): Promise<CategorySnapshot>[] {
    const planned = plan(categories);
    return categories.map(async (category, i) => {
      const { states, pending } = await planned;
      return serve(category, states[i], pending.get(category), options);
    });
  }

  async function plan(categories: readonly string[]) {
    const states = await Promise.all(categories.map((c) => currentState(c)));
    const pending = new Map<string, Promise<CategorySnapshot>>();
    const maybeDue: string[] = [];
    for (const [i, category] of categories.entries()) {
      if (!maybeDue.includes(category) && (await isDue(category, states[i]))) maybeDue.push(category);
    }
    // From here to the end nothing awaits: a refresh another caller started meanwhile is joined, not repeated.
    const due: string[] = [];
    for (const category of maybeDue) {
      const running = inflight.get(category);
      if (running) pending.set(category, running);
      else due.push(category);
    }
    for (const group of [due.filter(isConfigured), due.filter((c) => !isConfigured(c))]) {
      if (group.length === 0) continue;
      const refreshed = group.length === 1 ? new Map([[group[0]!, refresh(group[0]!)]]) : refreshTogether(group);
      for (const [category, promise] of refreshed) {
        const tracked = promise.finally(() => inflight.delete(category));
        inflight.set(category, tracked);
        pending.set(category, tracked);
      }
    }
    return { states, pending };
  }

  async function serve(
    category: string,
    state: CategoryState | undefined,
    pending: Promise<CategorySnapshot> | undefined,
    options: LoadOptions,
  ): Promise<CategorySnapshot> {
    if (!pending) return snapshot(category, state);
    const cached = state?.version ? await readPapers(category, state) : undefined;
    if (!cached || options.waitForRefresh) return pending;
    // Papers in hand: a reader never waits long on arXiv. The refresh goes on without them.
    const settled = await Promise.race([
      pending.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
      // Real time, whatever clock the rest runs on: this is how long a person waits.
      delay(deps.staleWaitMs, undefined, { ref: false }),
    ]);
    if (settled && "value" in settled) return settled.value;
    if (settled) throw settled.error;
    options.background?.(pending.catch(() => undefined));
    return snapshot(
      category,
      state,
      state!.failures > 0
        ? undefined
        : {
            reason: "refreshing",
            message: `arXiv has not answered within ${deps.staleWaitMs} ms; the papers are being fetched`,
            retryAt: deps.now() + 60_000,
          },
    );
  }

  async function refresh(category: string): Promise<CategorySnapshot> {
    const priority = isConfigured(category);
    const paused = await currentArxivPause(polite);
    if (paused) return snapshot(category, await currentState(category), pausedProblem(paused));
    if (!priority) {
      const limited = otherCategoryLimit();
      if (limited) return snapshot(category, await currentState(category), limited);
      otherRefreshes++;
    }
    try {
      return await refreshLocked(category, priority, deps.now() + waitMsOf(priority));
    } finally {
      if (!priority) otherRefreshes--;
    }
  }

  /** Why another (unconfigured) category may not be fetched now, if it may not. */
  function otherCategoryLimit(): CategoryProblem | undefined {
    const now = deps.now();
    if (deps.otherFetchesPerHour === 0) {
      return { reason: "not-configured", message: "this deployment fetches only its configured categories from arXiv", retryAt: nextArxivUpdate(now) };
    }
    if (otherBudgetSpentHour === utcHour(now)) return otherBudgetProblem(now);
    if (otherRefreshes >= MAX_OTHER_REFRESHES) {
      return { reason: "busy", message: "arXiv is being asked for other categories; try again in a few seconds", retryAt: now + 5000 };
    }
    return undefined;
  }

  function otherBudgetProblem(now: number): CategoryProblem {
    return {
      reason: "budget",
      message: `this deployment asks arXiv for at most ${deps.otherFetchesPerHour} categories outside its own per hour; try again later`,
      retryAt: Math.floor(now / 3_600_000 + 1) * 3_600_000,
    };
  }

  /** How long a fetch waits for arXiv's gate before serving what it has. */
  const waitMsOf = (priority: boolean) => (priority ? deps.maxWaitMs : Math.min(deps.maxWaitMs, OTHER_MAX_WAIT_MS));
  /** A category lock outlives its holder's longest wait and request, so a crashed holder cannot keep it. */
  const categoryLockMs = () => deps.maxWaitMs + deps.timeoutMs + 10_000;

  async function refreshLocked(category: string, priority: boolean, deadline: number): Promise<CategorySnapshot> {
    const lockKey = storeKeys.categoryLock(category);
    const pollMs = Math.min(250, Math.max(10, Math.floor(deps.minIntervalMs / 4)));
    // Take the category's lock, or wait on its holder: a fresh state (its result) ends the wait, and a
    // lock released or expired without one (the holder gave up or died) is ours to take.
    let lock: Lock | undefined;
    while (!(lock = await tryLock(deps.store, lockKey, categoryLockMs()))) {
      const state = await readState(category);
      if (await isCurrent(category, state)) return snapshot(category, state);
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
      if (await isCurrent(category, current)) return snapshot(category, current);
      return await fetchAndRecord(category, current, priority, deadline);
    } finally {
      await lock.release();
    }
  }

  /** One request for `feed` (a category or a `+` union) in arXiv's turn, or why there was none. */
  async function fetchInTurn(feed: string, priority: boolean, deadline: number): Promise<FetchOutcome | CategoryProblem> {
    const turn = await withArxivTurn(
      polite,
      deadline,
      async () => {
        if (!priority && !(await spendOtherBudget())) return undefined;
        return fetchCategoryFeed(feed, { baseUrl: deps.arxivRssUrl, timeoutMs: deps.timeoutMs, userAgent: deps.userAgent, fetch: deps.fetch });
      },
      { priority },
    );
    if (!turn.ran && turn.reason === "paused") return pausedProblem(turn);
    if (!turn.ran) {
      return {
        reason: "busy",
        message: "arXiv is being asked for other categories; try again in a few seconds",
        retryAt: deps.now() + Math.max(1000, deps.minIntervalMs),
      };
    }
    return turn.value ?? otherBudgetProblem(deps.now());
  }

  const isProblem = (x: FetchOutcome | CategoryProblem): x is CategoryProblem => !("kind" in x);

  /** With the category's lock held: asks arXiv for it and keeps what it answered. */
  async function fetchAndRecord(category: string, current: CategoryState | undefined, priority: boolean, deadline: number) {
    const outcome = await fetchInTurn(category, priority, deadline);
    if (isProblem(outcome)) return snapshot(category, current, outcome);
    return record(category, current, outcome, await pauseIfAsked(outcome));
  }

  /** Several due categories at once: see runTogether. One promise each. */
  function refreshTogether(group: readonly string[]): Map<string, Promise<CategorySnapshot>> {
    const results = runTogether(group);
    return new Map(group.map((c) => [c, results.then((r) => r.get(c)!)]));
  }

  /**
   * One arXiv request for all of `group` (all configured, or none), each category's papers derived from
   * the union. Categories another instance is fetching are waited on alone; when the union holds arXiv's
   * cap of 2,000 items (so it may be cut short) or names a category arXiv disowns, each is asked alone.
   */
  async function runTogether(group: readonly string[]): Promise<Map<string, Promise<CategorySnapshot>>> {
    const results = new Map<string, Promise<CategorySnapshot>>();
    // Each category's result stands alone (one may be disowned by arXiv); none is an unhandled rejection
    // while the others are still being fetched.
    const settle = (category: string, result: Promise<CategorySnapshot>) => {
      result.catch(() => undefined);
      results.set(category, result);
      return result.then(
        () => undefined,
        () => undefined,
      );
    };
    const priority = isConfigured(group[0]!);
    const paused = await currentArxivPause(polite);
    const limited = paused ? pausedProblem(paused) : priority ? undefined : otherCategoryLimit();
    if (limited) {
      for (const c of group) await settle(c, currentState(c).then((state) => snapshot(c, state, limited)));
      return results;
    }
    if (!priority) otherRefreshes++;
    const deadline = deps.now() + waitMsOf(priority);
    const locks = new Map<string, Lock>();
    try {
      // Every instance takes a group's locks in one order, and one that finds the first taken waits for
      // its holder before it takes any other: two instances asked for the same union at once would
      // otherwise each take some of its categories and ask arXiv twice, each for a part.
      const [first, ...rest] = [...group].sort();
      const lead = await tryLock(deps.store, storeKeys.categoryLock(first!), categoryLockMs());
      if (lead) locks.set(first!, lead);
      else await settle(first!, refreshLocked(first!, priority, deadline));
      for (const c of rest) {
        const lock = await tryLock(deps.store, storeKeys.categoryLock(c), categoryLockMs());
        if (lock) locks.set(c, lock);
        else void settle(c, refreshLocked(c, priority, deadline));
      }
      const members: string[] = [];
      const currents = new Map<string, CategoryState | undefined>();
      for (const c of group.filter((c) => locks.has(c))) {
        const current = await readState(c);
        if (await isCurrent(c, current)) await settle(c, snapshot(c, current));
        else {
          members.push(c);
          currents.set(c, current);
        }
      }
      if (members.length === 1) await settle(members[0]!, fetchAndRecord(members[0]!, currents.get(members[0]!), priority, deadline));
      if (members.length < 2) return results;

      const outcome = await fetchInTurn(members.join("+"), priority, deadline);
      if (isProblem(outcome)) {
        for (const c of members) await settle(c, snapshot(c, currents.get(c), outcome));
      } else if (outcome.kind === "feed" && outcome.papers.length + outcome.skipped < MAX_FEED_ITEMS) {
        for (const c of members) {
          await settle(c, record(c, currents.get(c), { ...outcome, papers: categoryFromUnion(outcome.papers, c), skipped: 0 }));
        }
      } else if (outcome.kind === "unavailable") {
        const pause = await pauseIfAsked(outcome);
        for (const c of members) await settle(c, record(c, currents.get(c), outcome, pause));
      } else {
        deps.log.info("asking arXiv for a union's categories one by one", {
          categories: members.join("+"),
          why: outcome.kind === "feed" ? `${MAX_FEED_ITEMS} items, arXiv's cap` : outcome.message.slice(0, 200),
        });
        for (const c of members) await settle(c, fetchAndRecord(c, currents.get(c), priority, deps.now() + waitMsOf(priority)));
      }
      return results;
    } finally {
      await Promise.all([...locks.values()].map((lock) => lock.release()));
      if (!priority) otherRefreshes--;
    }
  }

  /** arXiv's "slow down" is for all of us: no category is asked anything until it has passed. */
  async function pauseIfAsked(outcome: FetchOutcome): Promise<ArxivPause | undefined> {
    if (outcome.kind !== "unavailable" || (outcome.reason !== "rate-limited" && outcome.reason !== "overloaded")) return undefined;
    const asked = Math.min((outcome.retryAfterSeconds ?? 0) * 1000, MAX_ARXIV_PAUSE_MS);
    const pause = await pauseArxiv(polite, { askedMs: asked, baseMs: deps.retrySeconds * 1000, message: outcome.message });
    deps.log.warn("pausing every arXiv request", { until: new Date(pause.until).toISOString(), strikes: pause.strikes, message: outcome.message });
    return pause;
  }

  /** Counts one fetch of another category against this hour's budget (all instances); false when spent. */
  async function spendOtherBudget(): Promise<boolean> {
    const hour = utcHour(deps.now());
    const spent = await deps.store.incr(storeKeys.otherCategoryFetches(hour), 2 * 3_600_000);
    if (spent <= deps.otherFetchesPerHour) return true;
    otherBudgetSpentHour = hour;
    return false;
  }

  function pausedProblem(pause: { until: number; message: string }): CategoryProblem {
    return { reason: "paused", message: `arXiv asked to slow down (${pause.message}); waiting until ${new Date(pause.until).toISOString()}`, retryAt: pause.until };
  }

  async function record(category: string, previous: CategoryState | undefined, outcome: FetchOutcome, pause?: ArxivPause) {
    const now = deps.now();
    const base: CategoryState = previous ?? { category, checkedAt: now, nextCheckAt: now, failures: 0 };
    if (outcome.kind === "unknown-category" && (base.version || isConfigured(category))) {
      // A category arXiv served before, or one the deployment is for (in arXiv's taxonomy): a sudden
      // "Feed error" is more likely arXiv's glitch than a removal. Ask again soon.
      outcome = { kind: "unavailable", reason: "http-error", message: `arXiv said: ${outcome.message.slice(0, 200)}` };
    }
    if (outcome.kind === "unknown-category") {
      deps.log.warn("arXiv does not know this category", { category, message: outcome.message });
      await writeState({ category, checkedAt: now, nextCheckAt: nextArxivUpdate(now), failures: 0, unknown: true });
      throw new AppError("not_found", `arXiv has no category "${category}"`);
    }
    if (outcome.kind === "unavailable") {
      const failures = base.failures + 1;
      const backoff = Math.min(deps.retrySeconds * 1000 * 2 ** (failures - 1), MAX_BACKOFF_MS);
      const asked = Math.min((outcome.retryAfterSeconds ?? 0) * 1000, MAX_ARXIV_PAUSE_MS);
      const state: CategoryState = {
        ...base,
        unknown: undefined,
        checkedAt: now,
        nextCheckAt: Math.max(now + Math.max(backoff, asked), pause?.until ?? 0),
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

    await arxivAnswered(polite);
    if (outcome.skipped > 0) deps.log.warn("skipped unreadable feed items", { category, skipped: outcome.skipped });
    const previousRecord = await readPapers(category, base);
    const days = mergeDays(previousRecord?.days ?? [], outcome.papers, deps.daysBack);
    const version = days.length ? contentVersion(days) : undefined;
    const changed = version !== base.version;
    // Also rewrite unchanged papers whose stored copy expired or was unreadable.
    const written = version && (changed || !previousRecord) ? await writePapers(category, version, days) : undefined;
    const feedDate = outcome.date ?? outcome.papers.map((p) => p.announced).sort().at(-1);
    const parts = written?.parts ?? (version ? base.parts : undefined);
    const state: CategoryState = {
      category,
      version,
      changedAt: changed ? now : base.changedAt,
      fetchedAt: now,
      checkedAt: now,
      nextCheckAt: nextCheckAfterFetch(now, feedDate, outcome.papers.length > 0, deps.retrySeconds),
      failures: 0,
      ...(days[0] ? { latestDay: days[0].date } : {}),
      ...(parts ? { parts } : {}),
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
    if (changed && base.version && base.parts) await deletePapers(category, base.version, base.parts);
    return snapshot(category, state);
  }

  async function writeState(state: CategoryState): Promise<void> {
    await deps.store.set(storeKeys.categoryState(state.category), state, { ttlMs: ttlOf(state.category) });
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

  async function pause() {
    const current = await currentArxivPause(polite);
    return current && { until: new Date(current.until).toISOString(), message: current.message };
  }

  return { load, loadAll, peek, pause };
}

/** `2026-06-30T14`: the UTC hour a budget counts in. */
function utcHour(now: number): string {
  return new Date(now).toISOString().slice(0, 13);
}

/**
 * Pure: days → parts of at most about `maxChars` of JSON each, in order (a long day continues in the
 * next part), so that no stored value grows with the feed.
 */
export function splitIntoParts(days: readonly AnnouncementDay<Paper>[], maxChars: number): AnnouncementDay<Paper>[][] {
  const parts: AnnouncementDay<Paper>[][] = [];
  let current: AnnouncementDay<Paper>[] = [];
  let size = 0;
  for (const day of days) {
    let open: AnnouncementDay<Paper> | undefined;
    for (const paper of day.papers) {
      const paperSize = JSON.stringify(paper).length + 1;
      if (size > 0 && size + paperSize > maxChars) {
        parts.push(current);
        current = [];
        size = 0;
        open = undefined;
      }
      if (!open) {
        open = { date: day.date, papers: [] };
        current.push(open);
        size += day.date.length + 24;
      }
      open.papers.push(paper);
      size += paperSize;
    }
  }
  if (current.length) parts.push(current);
  return parts;
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
