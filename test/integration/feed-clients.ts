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
d = feedparser.parse(sys.stdin.buffer.read())
def links(x): return [{"rel": l.get("rel", ""), "href": l.get("href", "")} for l in x.get("links", [])]
print(json.dumps({
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
}))
`;

export function feedparse(xml: string): ParsedByFeedparser {
  const result = spawnSync(PYTHON, ["-c", SCRIPT], { input: xml, maxBuffer: 256 * 1024 * 1024, timeout: 60_000 });
  if (result.status !== 0) throw new Error(`feedparser failed: ${result.stderr.toString()}`);
  return JSON.parse(result.stdout.toString()) as ParsedByFeedparser;
}

/** xmllint's verdict: null when well-formed, else its complaint. */
export function xmllint(xml: string): string | null {
  const result = spawnSync("xmllint", ["--noout", "-"], { input: xml, timeout: 60_000 });
  return result.status === 0 ? null : result.stderr.toString() || `exit ${result.status}`;
}
