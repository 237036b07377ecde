// The reading page as a reader's browser shows it: headless Debian Chromium driven by playwright-core,
// axe-core run inside the page, screenshots kept under test/.artifacts/screenshots/ for a human to look at.
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Locator, type Page, type Response } from "playwright-core";
import { ROOT } from "./app-process";
import { CHROMIUM } from "./components";

export type { Browser, Page };

export const SCREENSHOT_DIR = path.join(ROOT, "test/.artifacts/screenshots");

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
  });
}

export interface Viewport {
  width: number;
  height: number;
}
export const DESKTOP: Viewport = { width: 1280, height: 900 };
export const PHONE: Viewport = { width: 360, height: 780 };

export interface OpenedPage {
  page: Page;
  /** The main document's response (its status, headers). */
  response: Response;
  close(): Promise<void>;
}

/** A fresh context (no shared cookies or cache) at this viewport and color scheme, navigated to `url`. */
export async function openPage(
  browser: Browser,
  url: string,
  options: { viewport?: Viewport; colorScheme?: "light" | "dark"; isMobile?: boolean } = {},
): Promise<OpenedPage> {
  const viewport = options.viewport ?? DESKTOP;
  const context: BrowserContext = await browser.newContext({
    viewport,
    colorScheme: options.colorScheme ?? "light",
    reducedMotion: "reduce",
    ...(options.isMobile ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
  });
  const page = await context.newPage();
  const response = await page.goto(url, { waitUntil: "load" });
  if (!response) throw new Error(`no response for ${url}`);
  return { page, response, close: () => context.close() };
}

export interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  helpUrl: string;
  /** CSS selectors of the offending nodes, with axe's one-line explanation of each. */
  nodes: { target: string; summary: string }[];
}

const requireFromHere = createRequire(import.meta.url);
let axeSource: string | undefined;
function axeScript(): string {
  axeSource ??= (requireFromHere("axe-core") as { source: string }).source;
  return axeSource;
}

/** axe-core's serious and critical violations on the page as it is now. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe !== "undefined");
  if (!loaded) await page.addScriptTag({ content: axeScript() });
  const results = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<AxeResults> } }).axe;
    interface AxeResults {
      violations: {
        id: string;
        impact: string | null;
        help: string;
        helpUrl: string;
        nodes: { target: unknown[]; failureSummary?: string }[];
      }[];
    }
    // axe's default rule set: WCAG 2.0-2.2 A/AA and its best practices (not the experimental rules).
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? "",
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.map(String).join(" "), summary: (n.failureSummary ?? "").replace(/\s+/g, " ").trim() })),
    }));
  });
  return results.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/** A readable report of violations, for an assertion message. */
export function describeViolations(violations: AxeViolation[]): string {
  return violations
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} (${v.helpUrl})\n` +
        v.nodes
          .slice(0, 8)
          .map((n) => `    ${n.target}  — ${n.summary.slice(0, 240)}`)
          .join("\n") +
        (v.nodes.length > 8 ? `\n    … and ${v.nodes.length - 8} more` : ""),
    )
    .join("\n");
}

/** Saves a full-page screenshot as test/.artifacts/screenshots/{name}.png and returns its path. */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: options.fullPage ?? true, animations: "disabled" });
  return file;
}

/** Saves a screenshot of one element (scrolled into view) as test/.artifacts/screenshots/{name}.png. */
export async function screenshotOf(locator: Locator, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await locator.screenshot({ path: file, animations: "disabled" });
  return file;
}

/** How far the page scrolls sideways beyond the viewport (0 when it does not). */
export function horizontalOverflow(page: Page): Promise<{ scrollWidth: number; innerWidth: number; widest: string[] }> {
  return page.evaluate(() => {
    const innerWidth = window.innerWidth;
    const widest: string[] = [];
    if (document.documentElement.scrollWidth > innerWidth) {
      for (const el of Array.from(document.querySelectorAll<HTMLElement>("body *"))) {
        const r = el.getBoundingClientRect();
        if (r.right > innerWidth + 0.5 && r.width > 0) {
          const cls = typeof el.className === "string" && el.className ? `.${el.className.trim().split(/\s+/).join(".")}` : "";
          widest.push(`${el.tagName.toLowerCase()}${cls} right=${Math.round(r.right)}`);
          if (widest.length >= 10) break;
        }
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth, widest };
  });
}
