// `npm run bench:strangers [-- --app DIR] [--seconds N]`: what strangers do to the deployment's readers,
// against `next start` with the fixture arXiv. Three phases, each for N seconds, while one reader polls
// the configured `/rss` (its refresh falls due every ARXIV_RETRY_SECONDS, so it competes for arXiv):
//   quiet      — nothing else;
//   flood      — 8 clients asking for distinct unconfigured categories;
//   expensive  — 4 clients asking for the most expensive allowed custom feed, new keywords each time.
// Prints the reader's latency per phase, what the strangers got, and the CPU time of one expensive feed.
// `--app DIR` runs the build in DIR instead (e.g. a checkout of an older commit, for before/after).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { freePort, ROOT } from "../integration/app-process";
import { startArxivFixtureServer } from "../servers/arxiv-fixture-server";

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const APP_DIR = path.resolve(arg("app") ?? ROOT);
const SECONDS = Number(arg("seconds") ?? 30);

// Unconfigured categories in arXiv's taxonomy (config.json has cs.AI, cs.CL, cs.DC, cs.LG).
const STRANGE = [
  ...["AR", "CC", "CE", "CG", "CR", "CV", "CY", "DB", "DL", "DM", "DS", "ET", "FL", "GL", "GR", "GT", "HC", "IR", "IT", "LO", "MA", "MM", "MS", "NA", "NE", "NI", "OH", "OS", "PF", "PL", "RO", "SC", "SD", "SE", "SI", "SY"].map((s) => `cs.${s}`),
  ...["AC", "AG", "AP", "AT", "CA", "CO", "CT", "CV", "DG", "DS", "FA", "GM", "GN", "GR", "GT", "HO", "IT", "KT", "LO", "MG", "MP", "NA", "NT", "OA", "OC", "PR", "QA", "RA", "RT", "SG", "SP", "ST"].map((s) => `math.${s}`),
  ...["AP", "CO", "ME", "ML", "OT", "TH"].map((s) => `stat.${s}`),
  ...["AS", "IV", "SP", "SY"].map((s) => `eess.${s}`),
  ...["GN", "PM", "PR", "RM", "ST", "TR", "CP", "EC", "MF"].map((s) => `q-fin.${s}`),
  "hep-th", "hep-ph", "hep-ex", "hep-lat", "gr-qc", "quant-ph", "nucl-th", "nucl-ex", "astro-ph.CO", "astro-ph.GA",
];
const WORDS = "learning model neural network graph agent reasoning language vision robot attack privacy quantum optimization diffusion transformer benchmark dataset federated reinforcement".split(" ");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (values: number[], p: number) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};

async function startServer(env: Record<string, string>) {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(APP_DIR, "node_modules/next/dist/bin/next"), "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: APP_DIR,
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", ...env },
    stdio: ["ignore", "ignore", "ignore"],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/robots.txt`)).ok) break;
    } catch {
      // not yet
    }
    if (i > 300) throw new Error("next start did not come up");
    await sleep(200);
  }
  return { url, pid: child.pid!, stop: () => child.kill("SIGTERM") };
}

/** CPU seconds (user + system) the process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function timedGet(url: string): Promise<{ ms: number; status: number; warning: boolean }> {
  const start = performance.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
    await res.arrayBuffer();
    return { ms: performance.now() - start, status: res.status, warning: res.headers.has("x-feed-warning") };
  } catch {
    return { ms: performance.now() - start, status: 0, warning: false };
  }
}

const arxiv = await startArxivFixtureServer({ delayMs: 150 });
const app = await startServer({
  ARXIV_RSS_URL: arxiv.rssUrl,
  ARXIV_MIN_INTERVAL_MS: "300",
  ARXIV_RETRY_SECONDS: "2",
  ARXIV_TIMEOUT_MS: "5000",
});
// Which process serves: next start forks a server child on some versions; take the newest descendant.
const serverPid = app.pid;

async function phase(name: string, strangers: (stop: () => boolean) => Promise<{ status: number }[]>) {
  const until = Date.now() + SECONDS * 1000;
  const stop = () => Date.now() >= until;
  const reader: { ms: number; status: number; warning: boolean }[] = [];
  const readerLoop = (async () => {
    while (!stop()) {
      reader.push(await timedGet(`${app.url}/rss`));
      await sleep(250);
    }
  })();
  const [got] = await Promise.all([strangers(stop), readerLoop]);
  const statuses: Record<string, number> = {};
  for (const r of got) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  const ms = reader.map((r) => r.ms);
  console.log(
    `| ${name} | ${reader.length} | ${pct(ms, 50).toFixed(0)} | ${pct(ms, 95).toFixed(0)} | ${Math.max(...ms).toFixed(0)} | ${reader.filter((r) => r.status !== 200).length} | ${reader.filter((r) => r.warning).length} | ${got.length ? JSON.stringify(statuses) : "-"} |`,
  );
}

const expensiveQuery = (seed: number) => {
  // 50 keywords and 10 exclusions over the four configured categories, 100 a day: just under the ceiling.
  const keywords = Array.from({ length: 50 }, (_, i) => `${WORDS[i % WORDS.length]}${i >= WORDS.length ? i : ""}`);
  keywords[49] = `seed${seed}`;
  const exclude = Array.from({ length: 10 }, (_, i) => `zz${i}x${seed}`);
  return `/rss/cs.AI+cs.CL+cs.DC+cs.LG?keywords=${encodeURIComponent(keywords.join(","))}&exclude=${encodeURIComponent(exclude.join(","))}&limit=100&types=all`;
};

try {
  await timedGet(`${app.url}/rss`);
  for (const c of ["cs.AI", "cs.CL", "cs.DC", "cs.LG"]) await timedGet(`${app.url}/rss/${c}`);
  // One expensive feed alone: its CPU time.
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < 5; i++) {
    const before = cpuSeconds(serverPid);
    const r = await timedGet(`${app.url}${expensiveQuery(1000 + i)}`);
    cpu.push(cpuSeconds(serverPid) - before);
    wall.push(r.ms);
    if (r.status !== 200) console.log(`expensive query answered ${r.status}`);
  }
  console.log(`app: ${APP_DIR}`);
  console.log(`most expensive allowed query alone (4 categories × 60 terms, limit 100): CPU median ${(pct(cpu, 50) * 1000).toFixed(0)} ms, wall median ${pct(wall, 50).toFixed(0)} ms`);
  console.log("");
  console.log("| phase | reader polls | p50 ms | p95 ms | max ms | non-200 | with warning | strangers' answers |");
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
  await phase("quiet", async () => []);
  let next = 0;
  await phase("flood: 8 clients, distinct unconfigured categories", async (stop) => {
    const got: { status: number }[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (!stop()) got.push(await timedGet(`${app.url}/rss/${STRANGE[next++ % STRANGE.length]}`));
      }),
    );
    return got;
  });
  let seed = 0;
  await phase("expensive: 4 clients, new custom feeds", async (stop) => {
    const got: { status: number }[] = [];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (!stop()) got.push(await timedGet(`${app.url}${expensiveQuery(seed++)}`));
      }),
    );
    return got;
  });
  console.log(`\narXiv requests during the run: ${arxiv.requests.length}; most at once: ${arxiv.maxConcurrent}`);
} finally {
  app.stop();
  await arxiv.close();
}
