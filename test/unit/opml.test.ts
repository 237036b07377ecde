// /opml: one outline per configured category and one for their union, absolute, the query carried along,
// read back by a strict XML parser.
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../lib/config";
import { handleOpml } from "../../lib/http";
import { recordingLogger } from "../helpers/io";
import { findAll, parseXmlStrict } from "../helpers/xml-tree";

const config = parseConfig({ categories: ["cs.AI", "cs.LG"], keywords: ["LLM"] });
const deps = (siteUrl?: string) => ({ config, origin: { siteUrl, trustForwardedHeaders: false }, log: recordingLogger(), now: () => Date.parse("2026-06-30T12:00:00Z") });
const get = (path: string, init: RequestInit = {}, siteUrl?: string) => handleOpml(new Request(`http://feeds.local${path}`, init), deps(siteUrl));

describe("/opml", () => {
  it("lists the union and each configured category, with absolute feed and page URLs", async () => {
    const res = await get("/opml");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/x-opml; charset=utf-8");
    expect(res.headers.get("vary")).toBe("Host");
    const doc = parseXmlStrict(await res.text());
    expect(findAll(doc, "opml")[0]!.attributes.version).toBe("2.0");
    expect(findAll(doc, "outline").map((o) => [o.attributes.text, o.attributes.xmlUrl, o.attributes.htmlUrl])).toEqual([
      ["arXiv cs.AI + cs.LG: ranked", "http://feeds.local/rss", "http://feeds.local/"],
      ["arXiv cs.AI: ranked", "http://feeds.local/rss/cs.AI", "http://feeds.local/c/cs.AI"],
      ["arXiv cs.LG: ranked", "http://feeds.local/rss/cs.LG", "http://feeds.local/c/cs.LG"],
    ]);
  });

  it("carries the query string into every outline, canonical, and escapes it for XML", async () => {
    const res = await get("/opml?keywords=diffusion%5E2,RL&utm_source=x&exclude=a%26b", {}, "https://arxiv.example.org");
    expect(res.headers.get("vary")).toBeNull();
    const outlines = findAll(parseXmlStrict(await res.text()), "outline");
    for (const o of outlines) {
      expect(o.attributes.xmlUrl).toMatch(/^https:\/\/arxiv\.example\.org\/rss(\/cs\.(AI|LG))?\?keywords=diffusion%5E2,RL&exclude=a%26b$/);
      expect(o.attributes.text).toContain("(personal)");
    }
  });

  it("a bad parameter is a 400 naming it, as for the feeds", async () => {
    const res = await get("/opml?limit=0");
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/"limit"/);
  });
});
