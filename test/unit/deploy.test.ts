// The deployment story, checked offline: the README's Deploy buttons are well-formed and carry the env and
// store parameters, vercel.json's crons and functions point at real routes with the durations they
// declare, and .env.example and the README document every variable the service reads.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ENV_NAMES, getConfig } from "../../lib/config";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");
const README = read("README.md");
const vercel = JSON.parse(read("vercel.json")) as {
  $schema: string;
  framework: string;
  crons: { path: string; schedule: string }[];
  functions: Record<string, { maxDuration: number }>;
};

describe("the Deploy with Vercel buttons", () => {
  const buttons = [...README.matchAll(/\((https:\/\/vercel\.com\/new\/clone\?[^)\s]+)\)/g)].map((m) => new URL(m[1]!));

  it("there are two: one asking for CRON_SECRET, one also for the model key config.json names", () => {
    expect(buttons.map((u) => u.searchParams.get("env"))).toEqual(["CRON_SECRET", `CRON_SECRET,${getConfig().aiSummary.api_key_env}`]);
    expect(README).toContain("[![Deploy with Vercel](https://vercel.com/button)](https://vercel.com/new/clone?");
  });

  it.each([0, 1])("button %i names the project, describes and links the variables, and offers Upstash Redis", (i) => {
    const url = buttons[i]!;
    expect(new URL(url.searchParams.get("repository-url")!).origin).toBe("https://github.com");
    expect(url.searchParams.get("project-name")).toBe("arxiv-rss-bot");
    expect(url.searchParams.get("envDescription")!.length).toBeGreaterThan(20);
    expect(url.searchParams.get("envDescription")).toContain("CRON_SECRET");
    expect(new URL(url.searchParams.get("envLink")!).pathname).toMatch(/\.env\.example$/);
    const products = JSON.parse(url.searchParams.get("products")!) as { type: string; protocol: string; productSlug: string; integrationSlug: string }[];
    expect(products).toContainEqual({ type: "integration", protocol: "storage", productSlug: "upstash-kv", integrationSlug: "upstash" });
  });
});

describe("vercel.json", () => {
  const cronField = (value: string, min: number, max: number) =>
    value.split(",").every((part) => {
      const m = /^(\*|\d+)(?:-(\d+))?(?:\/(\d+))?$/.exec(part);
      if (!m) return false;
      const nums = [m[1], m[2]].filter((x) => x !== undefined && x !== "*").map(Number);
      return nums.every((n) => n >= min && n <= max);
    });

  it("is for Next.js and names Vercel's schema", () => {
    expect(vercel.$schema).toBe("https://openapi.vercel.sh/vercel.json");
    expect(vercel.framework).toBe("nextjs");
    expect(Object.keys(vercel).sort()).toEqual(["$schema", "crons", "framework", "functions"]);
  });

  it("schedules the refresh twice each weekday, after arXiv's update and again later, with valid cron expressions", () => {
    expect(vercel.crons.map((c) => c.path)).toEqual(["/api/cron/refresh", "/api/cron/refresh"]);
    for (const { schedule } of vercel.crons) {
      const fields = schedule.split(" ");
      expect(fields).toHaveLength(5);
      const [minute, hour, day, month, weekday] = fields as [string, string, string, string, string];
      expect(cronField(minute, 0, 59) && cronField(hour, 0, 23) && cronField(day, 1, 31) && cronField(month, 1, 12) && cronField(weekday, 0, 6), schedule).toBe(true);
      expect(weekday).toBe("1-5");
    }
    const hours = vercel.crons.map((c) => Number(c.schedule.split(" ")[1]));
    expect(hours[0]).toBeGreaterThanOrEqual(6); // after midnight US Eastern (04:00/05:00 UTC)
    expect(hours[1]).toBeGreaterThan(hours[0]!);
    expect(existsSync(path.join(ROOT, "app/api/cron/refresh/route.ts"))).toBe(true);
  });

  it("gives each function the duration its route declares", () => {
    for (const [file, { maxDuration }] of Object.entries(vercel.functions)) {
      expect(existsSync(path.join(ROOT, file)), file).toBe(true);
      expect(read(file)).toContain(`export const maxDuration = ${maxDuration};`);
      expect(maxDuration).toBeLessThanOrEqual(300);
    }
  });
});

describe("every variable is documented", () => {
  const example = read(".env.example");
  const platform = ["VERCEL", "VERCEL_DEPLOYMENT_ID", "VERCEL_GIT_COMMIT_SHA"];

  it.each(ENV_NAMES)("%s is in .env.example", (name) => {
    expect(platform.includes(name) ? example.includes(name) : new RegExp(`^${name}=`, "m").test(example)).toBe(true);
  });

  it.each(ENV_NAMES.filter((n) => !platform.includes(n)))("%s is in the README's environment table", (name) => {
    expect(README).toMatch(new RegExp(`\\| [^|]*\`${name}\``));
  });

  it("the model key the shipped config.json names is in .env.example", () => {
    expect(example).toMatch(new RegExp(`^${getConfig().aiSummary.api_key_env}=`, "m"));
  });
});
