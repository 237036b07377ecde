// The bench's server half: `next start` against the fixture arXiv (test/servers), from cold to first
// complete /rss, then warm routes under keep-alive load at 1, 8 and 32 connections beside a static file of
// the same bytes served by the same server, with the server's CPU per request and its peak RSS.
import { spawn, type ChildProcess } from "node:child_process";
import { rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { Agent, request, type IncomingHttpHeaders } from "node:http";
import path from "node:path";
import { expectedAnnouncementDate } from "../../lib/arxiv/schedule";
import { getConfig } from "../../lib/config";
import { freePort, ROOT } from "../integration/app-process";
import { startArxivFixtureServer, type ArxivFixtureServer } from "../servers/arxiv-fixture-server";
import { median, mb, ms, percentile, processTree, ratio, statusMiB, treeCpuMs, verdict, type Row, type Table } from "./measure";

const NEXT_BIN = path.join(ROOT, "node_modules/next/dist/bin/next");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Server {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
  output(): string;
}

/** Cleanup for an interrupted run: servers to stop and files to remove. */
export const cleanups = new Set<() => void>();

/** `next start` on 127.0.0.1:`port`, ready when a static file answers (nothing that reaches arXiv). */
async function startServer(port: number, env: Record<string, string>): Promise<Server & { readyMs: number }> {
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, [NEXT_BIN, "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const kill = () => child.kill("SIGKILL");
  cleanups.add(kill);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(kill, 5000);
      await exited;
      clearTimeout(timer);
    }
    cleanups.delete(kill);
  };
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}: ${output.trim().split("\n").slice(-3).join(" / ")}`);
    try {
      if ((await fetch(`${url}/robots.txt`, { signal: AbortSignal.timeout(2000) })).ok) break;
    } catch {
      // not listening yet
    }
    if (performance.now() - started > 60_000) {
      await stop();
      throw new Error(`next start did not answer within 60 s: ${output.trim().split("\n").slice(-3).join(" / ")}`);
    }
    await sleep(20);
  }
  return { url, port, pid: child.pid!, stop, output: () => output, readyMs: performance.now() - started };
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

async function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(90_000) });
  const hs: IncomingHttpHeaders = {};
  res.headers.forEach((v, k) => (hs[k] = v));
  return { status: res.status, headers: hs, body: Buffer.from(await res.arrayBuffer()) };
}

const guids = (rss: string) => new Set([...rss.matchAll(/<guid[^>]*>([^<]*)<\/guid>/g)].map((m) => m[1]!));

interface LoadTarget {
  name: string;
  /** The request path; `i` counts requests, for a query never asked before. */
  path: (i: number) => string;
  headers?: Record<string, string>;
  expect: number;
}

interface LoadRun {
  rps: number;
  latencies: number[];
  statuses: Map<number, number>;
  /** Server CPU (process tree) per completed request. */
  cpuPerRequest: number;
  bytes: number;
  encoding?: string;
}

let counter = 0;

/**
 * `connections` loops, each one request after another on its own keep-alive connection, for `seconds`:
 * requests per second (those answered with the expected status), their latencies, and the server's CPU.
 */
async function load(server: Server, target: LoadTarget, connections: number, seconds: number): Promise<LoadRun> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let bytes = 0;
  let encoding: string | undefined;
  const one = () =>
    new Promise<void>((resolve) => {
      const start = performance.now();
      const req = request({ host: "127.0.0.1", port: server.port, path: target.path(counter++), agent, headers: target.headers }, (res) => {
        let size = 0;
        res.on("data", (chunk: Buffer) => (size += chunk.length));
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (status === target.expect) {
            latencies.push(performance.now() - start);
            bytes = size;
            encoding ??= res.headers["content-encoding"] ?? "identity";
          }
          resolve();
        });
        res.on("error", () => resolve());
      });
      req.setTimeout(60_000, () => req.destroy(new Error("timeout")));
      req.on("error", () => {
        statuses.set(0, (statuses.get(0) ?? 0) + 1);
        resolve();
      });
      req.end();
    });
  const cpuBefore = treeCpuMs(server.pid);
  const start = performance.now();
  const until = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) await one();
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  const cpu = treeCpuMs(server.pid) - cpuBefore;
  agent.destroy();
  const done = [...statuses.values()].reduce((a, b) => a + b, 0);
  return { rps: latencies.length / elapsed, latencies, statuses, cpuPerRequest: done ? cpu / done : NaN, bytes, encoding };
}

/** Cold start: a fresh `next start` until its first complete /rss, and how many arXiv requests that took. */
async function coldStart(
  table: Table,
  arxiv: ArxivFixtureServer,
  port: number,
): Promise<{ body: Buffer; hwm: number }> {
  arxiv.reset();
  const started = performance.now();
  // The politeness arXiv asks for (ARXIV_MIN_INTERVAL_MS defaults to 3 s): what a real deployment waits.
  const app = await startServer(port, { ARXIV_RSS_URL: arxiv.rssUrl });
  try {
    const listening = performance.now() - started;
    const first = await get(`${app.url}/rss`);
    const firstAt = performance.now() - started;
    const upstreamByThen = arxiv.requests.length;
    let answer = first;
    let completeAt = firstAt;
    // Complete: 200, no warning, and the same papers as once every category has been fetched.
    for (let i = 0; answer.status !== 200 || answer.headers["x-feed-warning"]; i++) {
      if (i > 240) throw new Error(`no complete /rss within 60 s (last: ${answer.status} ${answer.headers["x-feed-warning"] ?? ""})`);
      await sleep(250);
      answer = await get(`${app.url}/rss`);
      completeAt = performance.now() - started;
    }
    await sleep(500); // let any background fetch land, then compare
    const settled = await get(`${app.url}/rss`);
    const same = [...guids(settled.body.toString())].every((g) => guids(answer.body.toString()).has(g));
    const firstComplete = answer === first && same;
    const upstream = arxiv.requests.length;
    const categories = arxiv.requests.map((r) => r.category).join(", ");
    table.section("Cold start: a fresh `next start`, first GET /rss, fixture arXiv at the default 3 s politeness");
    table.add({ what: "listening (a static file answers)", measured: ms(listening), notes: `next start ready in ${ms(app.readyMs)}` });
    table.add({
      what: "first /rss answered",
      measured: ms(firstAt),
      notes: `${first.status}${first.headers["x-feed-warning"] ? ", with X-Feed-Warning" : ""}${firstComplete ? ", complete" : ", not complete"}; ${upstreamByThen} arXiv request${upstreamByThen === 1 ? "" : "s"} by then`,
    });
    table.add({
      what: "first complete /rss",
      measured: ms(completeAt),
      target: "complete after 1 arXiv request",
      verdict: verdict(firstComplete && upstreamByThen === 1),
      notes: `${upstream} arXiv request${upstream === 1 ? "" : "s"} in all (${categories})${same ? "" : "; papers differ once all are fetched"}`,
    });
    return { body: settled.body, hwm: Math.max(...processTree(app.pid).map((p) => statusMiB(p, "VmHWM"))) };
  } finally {
    await app.stop();
  }
}

export async function httpSections(table: Table, quick: boolean): Promise<void> {
  const config = getConfig();
  const arxiv = await startArxivFixtureServer({ announceDate: expectedAnnouncementDate(Date.now()) });
  const staticName = `bench-${process.pid}.xml`;
  const staticFile = path.join(ROOT, "public", staticName);
  // public/'s times as they were: the build's freshness check (test/integration/global-setup.ts) reads them.
  const publicDir = path.dirname(staticFile);
  const { atime, mtime } = statSync(publicDir);
  const removeStatic = () => {
    rmSync(staticFile, { force: true });
    utimesSync(publicDir, atime, mtime);
  };
  cleanups.add(removeStatic);
  try {
    const port = await freePort();
    let cold: Awaited<ReturnType<typeof coldStart>>;
    try {
      cold = await coldStart(table, arxiv, port);
    } catch (err) {
      table.section("Cold start");
      table.failed("first complete /rss", err);
      throw err;
    }
    // `next start` reads public/ when it starts: the static file goes in before the warm server starts, on
    // the same port, so that its bytes are the feed's own (self links included).
    writeFileSync(staticFile, cold.body);
    arxiv.reset();
    const app = await startServer(port, { ARXIV_RSS_URL: arxiv.rssUrl, ARXIV_MIN_INTERVAL_MS: "0" });
    try {
      const memory: Row[] = [];
      await warmSection(table, memory, app, staticName, config.categories, quick);
      const pids = processTree(app.pid);
      const hwm = Math.max(...pids.map((p) => statusMiB(p, "VmHWM")));
      table.section("Memory: the warm server's peak RSS (VmHWM, /proc)");
      for (const row of memory) table.add(row);
      table.add({
        what: "peak over its whole life: warm-up and the HTTP section",
        measured: `${hwm.toFixed(0)} MiB`,
        target: "≤ 250 MiB",
        verdict: verdict(hwm <= 250),
        notes: `every route above, custom misses included; now ${Math.max(...pids.map((p) => statusMiB(p, "VmRSS"))).toFixed(0)} MiB in ${pids.length} process${pids.length > 1 ? "es" : ""}`,
      });
      table.add({ what: "cold-start server, after its first complete /rss", measured: `${cold.hwm.toFixed(0)} MiB`, notes: "no load" });
    } finally {
      await app.stop();
    }
  } finally {
    removeStatic();
    cleanups.delete(removeStatic);
    await arxiv.close();
  }
}

/** Starts a new peak: VmHWM back to the current RSS (`echo 5 > /proc/PID/clear_refs`); false when refused. */
function resetPeak(pids: number[]): boolean {
  try {
    for (const pid of pids) writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

async function warmSection(
  table: Table,
  memory: Row[],
  app: Server,
  staticName: string,
  categories: string[],
  quick: boolean,
): Promise<void> {
  // A personal feed over the configured categories: 6 keywords, 150 papers (limit=150 of the fixture day).
  const custom = (nonce: string) =>
    `/rss/${categories.join("+")}?keywords=${encodeURIComponent(`LLM,inference,model,learning,agent,${nonce}`)}&limit=150`;
  // Warm: arXiv fetched, every route rendered once and cached.
  let feed = await get(`${app.url}/rss`);
  for (let i = 0; feed.status !== 200 || feed.headers["x-feed-warning"]; i++) {
    if (i > 120) throw new Error(`warm /rss did not become complete: ${feed.status}`);
    await sleep(250);
    feed = await get(`${app.url}/rss`);
  }
  const etag = feed.headers.etag;
  if (!etag) throw new Error("/rss has no ETag");
  const hit = await get(`${app.url}${custom("zzhit")}`);
  const customItems = (hit.body.toString().match(/<item>/g) ?? []).length;
  const targets: LoadTarget[] = [
    { name: "configured feed /rss", path: () => "/rss", expect: 200 },
    { name: "custom feed, hit", path: () => custom("zzhit"), expect: 200 },
    { name: "custom feed, miss", path: (i) => custom(`zz${process.pid}x${i}`), expect: 200 },
    { name: "/rss If-None-Match (304)", path: () => "/rss", headers: { "If-None-Match": etag }, expect: 304 },
    { name: "page /", path: () => "/", expect: 200 },
    { name: "/rss with Accept-Encoding: gzip", path: () => "/rss", headers: { "Accept-Encoding": "gzip" }, expect: 200 },
    { name: "static file, same bytes", path: () => `/${staticName}`, expect: 200 },
    { name: "trivial route /opml", path: () => "/opml", expect: 200 },
  ];
  // Memory under the configured feed's load alone, from the warm server's RSS at that moment.
  {
    const pids = processTree(app.pid);
    const rss = () => Math.max(...pids.map((p) => statusMiB(p, "VmRSS")));
    const peak = () => Math.max(...pids.map((p) => statusMiB(p, "VmHWM")));
    const before = rss();
    const reset = resetPeak(pids);
    await load(app, targets[0]!, 8, quick ? 1.5 : 4);
    memory.push({
      what: `under /rss at 8 connections for ${quick ? 1.5 : 4} s`,
      measured: `${peak().toFixed(0)} MiB`,
      target: "≤ 250 MiB",
      verdict: verdict(peak() <= 250),
      notes: reset ? `warm, before the load: ${before.toFixed(0)} MiB` : "clear_refs refused: the peak since start-up",
    });
  }
  const levels = [1, 8, 32];
  const seconds = quick ? 0.6 : 1.5;
  const rounds = quick ? 1 : 3;
  for (const t of targets) await load(app, t, 8, quick ? 0.3 : 0.6); // JIT and caches
  const runs = new Map<string, LoadRun[]>(); // `${conns} ${name}` → a run per round
  for (let r = 0; r < rounds; r++) {
    for (const conns of levels) {
      for (let i = 0; i < targets.length; i++) {
        const t = targets[(i + r) % targets.length]!;
        const key = `${conns} ${t.name}`;
        runs.set(key, [...(runs.get(key) ?? []), await load(app, t, conns, seconds)]);
      }
    }
  }
  table.section(
    `HTTP: warm \`next start\`, keep-alive, ${rounds} interleaved round${rounds > 1 ? "s" : ""} of ${seconds} s per figure; ratio to the static file at the same connections`,
  );
  for (const conns of levels) {
    const staticRuns = runs.get(`${conns} static file, same bytes`)!;
    for (const t of targets) {
      const list = runs.get(`${conns} ${t.name}`)!;
      const rps = median(list.map((x) => x.rps));
      // Ratios of runs next to each other in time, then their median.
      const vsStatic = median(list.map((x, i) => x.rps / staticRuns[i]!.rps));
      const latencies = list.flatMap((x) => x.latencies);
      const statuses = new Map<number, number>();
      for (const x of list) for (const [s, n] of x.statuses) statuses.set(s, (statuses.get(s) ?? 0) + n);
      const others = [...statuses].filter(([s]) => s !== t.expect).map(([s, n]) => `${n}× ${s || "error"}`);
      const cpu = median(list.map((x) => x.cpuPerRequest));
      const isFeed = t.name === "configured feed /rss";
      const isMiss = t.name === "custom feed, miss";
      const body = mb(list[0]!.bytes);
      const feedBody = mb(runs.get(`${conns} ${targets[0]!.name}`)![0]!.bytes);
      const extra = t.name.includes("gzip")
        ? `, ${list[0]!.encoding}, ${body}`
        : t.name.startsWith("static")
          ? `, ${body} (/rss: ${feedBody})`
          : t.name.startsWith("custom")
            ? `, ${customItems} items, ${body}`
            : isFeed
              ? `, ${body}`
              : "";
      table.add({
        what: `${t.name} @${conns}`,
        measured: `${rps.toFixed(0)} req/s`,
        ratio: t.name.startsWith("static") ? "" : ratio(vsStatic, "static"),
        ...(isFeed && conns === 8 ? { target: "≥ 0.75× static", verdict: verdict(vsStatic >= 0.75) } : {}),
        ...(isMiss && conns === 1 ? { target: "≤ 2 ms CPU", verdict: verdict(cpu <= 2) } : {}),
        notes: `p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))}, server CPU ${ms(cpu)}/req${extra}${others.length ? `; ${others.join(", ")}` : ""}`,
      });
    }
  }
}
