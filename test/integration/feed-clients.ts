// Our feeds as real clients read them: Python's feedparser (what many readers and bots use) and xmllint.
import { spawnSync } from "node:child_process";
import { PYTHON } from "./components";

export interface ParsedByFeedparser {
  bozo: boolean;
  bozoException: string | null;
  version: string;
  feed: { title: string; links: { rel: string; href: string }[] };
  entries: {
    id: string;
    title: string;
    titleType: string;
    link: string;
    published: string | null;
    authors: string[];
    tags: string[];
    content: string;
    summary: string;
  }[];
}

const SCRIPT = `
import sys, json, feedparser
def links(x): return [{"rel": l.get("rel", ""), "href": l.get("href", "")} for l in x.get("links", [])]
def read(d): return {
  "bozo": bool(d.bozo),
  "bozoException": str(d.get("bozo_exception")) if d.bozo else None,
  "version": d.version,
  "feed": {"title": d.feed.get("title", ""), "links": links(d.feed)},
  "entries": [{
    "id": e.get("id", ""),
    "title": e.get("title", ""),
    "titleType": e.get("title_detail", {}).get("type", ""),
    "link": e.get("link", ""),
    "published": e.get("published"),
    "authors": [a.get("name", "") for a in e.get("authors", [])],
    "tags": [t.get("term", "") for t in e.get("tags", [])],
    "content": (e.get("content") or [{"value": ""}])[0]["value"],
    "summary": e.get("summary", ""),
  } for e in d.entries],
}
if sys.argv[1:] == ["many"]:
  print(json.dumps([read(feedparser.parse(x.encode("utf-8"))) for x in json.load(sys.stdin)]))
else:
  print(json.dumps(read(feedparser.parse(sys.stdin.buffer.read()))))
`;

/**
 * A title as a reader shows it: feedparser hands over HTML-typed titles (Atom's type="html", and RSS titles
 * that hold an entity or a tag) as HTML, which a reader renders.
 */
export function shownTitle(entry: { title: string; titleType: string }): string {
  if (entry.titleType !== "text/html") return entry.title;
  return entry.title
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

export function feedparse(xml: string): ParsedByFeedparser {
  const result = spawnSync(PYTHON, ["-c", SCRIPT], { input: xml, maxBuffer: 256 * 1024 * 1024, timeout: 60_000 });
  if (result.status !== 0) throw new Error(`feedparser failed: ${result.stderr.toString()}`);
  return JSON.parse(result.stdout.toString()) as ParsedByFeedparser;
}

/** Several feeds read by one feedparser process (for property tests: one process, not one per case). */
export function feedparseMany(xmls: string[]): ParsedByFeedparser[] {
  const result = spawnSync(PYTHON, ["-c", SCRIPT, "many"], { input: JSON.stringify(xmls), maxBuffer: 1024 * 1024 * 1024, timeout: 300_000 });
  if (result.status !== 0) throw new Error(`feedparser failed: ${result.stderr.toString()}`);
  return JSON.parse(result.stdout.toString()) as ParsedByFeedparser[];
}

/** xmllint's verdict: null when well-formed, else its complaint. */
export function xmllint(xml: string): string | null {
  const result = spawnSync("xmllint", ["--noout", "-"], { input: xml, timeout: 60_000 });
  return result.status === 0 ? null : result.stderr.toString() || `exit ${result.status}`;
}
