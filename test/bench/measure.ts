// The bench's measuring tools: interleaved rounds with medians, CPU time of this process and of a server's
// process tree (from /proc), and the one table everything is printed in.
import { readdirSync, readFileSync } from "node:fs";

/** The median of the finite values (a failed sample is NaN). */
export function median(values: readonly number[]): number {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/**
 * One timed run: wall-clock and CPU (all of the process's threads, GC helpers included) milliseconds, and
 * the main thread's CPU alone (NaN where /proc does not tell it): the work itself, without what V8's
 * helper threads (parallel and concurrent GC, background compiles) spend beside it.
 */
export interface Sample {
  wallMs: number;
  cpuMs: number;
  mainCpuMs: number;
}

/** Runs one sample; returns its times. */
export type Timed = () => Sample | Promise<Sample>;

function cpuNowMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** The main thread's time on a CPU so far, in ms, from its schedstat (in nanoseconds); NaN off Linux. */
function mainThreadCpuMs(): number {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, "utf8").split(" ")[0]) / 1e6;
  } catch {
    return NaN;
  }
}

/**
 * Times `fn` (sync or async). `setup`, when given, runs first, untimed, and hands `fn` its input (fresh
 * copies, a new keyword set): what must differ from run to run without being counted.
 */
export function timed<S = undefined>(fn: (input: S) => unknown, setup?: () => S): Timed {
  return () => {
    const input = setup ? setup() : (undefined as S);
    const cpu = cpuNowMs();
    const mainCpu = mainThreadCpuMs();
    const start = performance.now();
    const out = fn(input);
    const done = (): Sample => ({ wallMs: performance.now() - start, cpuMs: cpuNowMs() - cpu, mainCpuMs: mainThreadCpuMs() - mainCpu });
    return out instanceof Promise ? out.then(done) : done();
  };
}

export interface Stats {
  wallMs: number;
  cpuMs: number;
  mainCpuMs: number;
  samples: Sample[];
}

/**
 * Runs every task once per round, A, B, C, A, B, C…, starting each round one task further along, so that
 * what the machine is doing at the time (other jobs, GC, frequency) falls on all tasks alike. A collection
 * between samples gives each its own garbage, not its predecessor's. Medians of `rounds` samples each,
 * after `warmup` discarded rounds (the JIT).
 */
export async function interleave(tasks: Record<string, Timed>, rounds: number, warmup = 1): Promise<Record<string, Stats>> {
  const names = Object.keys(tasks);
  const samples: Record<string, Sample[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < warmup + rounds; r++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length]!;
      globalThis.gc?.();
      const sample = await tasks[name]!();
      if (r >= warmup) samples[name]!.push(sample);
    }
  }
  if (process.env.BENCH_VERBOSE) {
    for (const n of names) console.log(n, samples[n]!.map((s) => s.wallMs.toFixed(1)).join(" "));
  }
  return Object.fromEntries(
    names.map((n) => [
      n,
      {
        wallMs: median(samples[n]!.map((s) => s.wallMs)),
        cpuMs: median(samples[n]!.map((s) => s.cpuMs)),
        mainCpuMs: median(samples[n]!.map((s) => s.mainCpuMs)),
        samples: samples[n]!,
      },
    ]),
  );
}

/**
 * Runs one task `runs` times back to back, after `warmup` discarded runs, with one collection forced before
 * them all and none between: each run then pays only for the collections its own garbage and its
 * predecessors' bring, as work in a server does. Medians of the runs.
 */
export async function inARow(task: Timed, runs: number, warmup = 2): Promise<Stats> {
  globalThis.gc?.();
  const samples: Sample[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const sample = await task();
    if (i >= warmup) samples.push(sample);
  }
  return {
    wallMs: median(samples.map((s) => s.wallMs)),
    cpuMs: median(samples.map((s) => s.cpuMs)),
    mainCpuMs: median(samples.map((s) => s.mainCpuMs)),
    samples,
  };
}

/** The process and all its descendants, from /proc (Linux). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  const tree: number[] = [];
  const visit = (pid: number) => {
    tree.push(pid);
    for (const child of children.get(pid) ?? []) visit(child);
  };
  visit(root);
  return tree;
}

const CLOCK_TICKS_PER_SECOND = 100;

/** CPU milliseconds (user + system) a process tree has used so far. */
export function treeCpuMs(root: number): number {
  let ticks = 0;
  for (const pid of processTree(root)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone meanwhile
    }
  }
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** A `VmHWM`/`VmRSS`-style line of /proc/PID/status, in MiB (0 when the process is gone). */
export function statusMiB(pid: number, field: "VmHWM" | "VmRSS"): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

// The table: one row per figure, section rows between.
export type Verdict = "pass" | "FAIL" | "";

export interface Row {
  what: string;
  measured: string;
  ratio?: string;
  target?: string;
  verdict?: Verdict;
  notes?: string;
}

export class Table {
  private readonly lines: (Row | { section: string })[] = [];

  section(title: string): void {
    this.lines.push({ section: title });
  }

  add(row: Row): void {
    this.lines.push(row);
  }

  /** A row whose measurement could not be made: says why, never fails the run. */
  failed(what: string, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.add({ what, measured: "not measured", notes: message.split("\n")[0]!.slice(0, 160) });
  }

  get verdicts(): Verdict[] {
    return this.lines.flatMap((l) => ("what" in l && l.verdict ? [l.verdict] : []));
  }

  toMarkdown(): string {
    const head = ["what", "measured", "ratio", "target", "result", "notes"];
    const cells = (l: Row | { section: string }): string[] =>
      "section" in l ? [`**${l.section}**`, "", "", "", "", ""] : [l.what, l.measured, l.ratio ?? "", l.target ?? "", l.verdict ?? "", l.notes ?? ""];
    const rows = this.lines.map(cells);
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
    return [line(head), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...rows.map(line)].join("\n");
  }
}

export const ms = (value: number): string =>
  !Number.isFinite(value) ? "n/a" : value >= 100 ? `${value.toFixed(0)} ms` : value >= 10 ? `${value.toFixed(1)} ms` : `${value.toFixed(2)} ms`;

export const ratio = (value: number, of: string): string => (Number.isFinite(value) ? `${value >= 10 ? value.toFixed(0) : value.toFixed(2)}× ${of}` : "");

export const mb = (bytes: number): string => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(2)} MB` : `${(bytes / 1e3).toFixed(0)} KB`);

/** "pass" when `ok`, "FAIL" otherwise, "" when the figure is missing. */
export function verdict(ok: boolean | undefined): Verdict {
  return ok === undefined ? "" : ok ? "pass" : "FAIL";
}
