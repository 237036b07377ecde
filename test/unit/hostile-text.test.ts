// Nothing a paper or a summary carries can forge, break or script a feed: arbitrary strings in every text
// field, rendered in every format, read back by a strict XML parser and a browser's HTML parser.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseArxivRss } from "../../lib/arxiv/parse";
import { parseConfig } from "../../lib/config";
import { toFeedDocument, type FeedLinks } from "../../lib/render/document";
import { renderAtom, renderJson, renderRss } from "../../lib/render/feeds";
import { cleanLine } from "../../lib/text";
import { readFixture, withSummaries } from "../helpers/fixtures";
import { feedOfEvery, hostileDay, type HostileDay } from "../helpers/hostile";
import { hrefsOf, unsafeHtml } from "../helpers/html-tree";
import { childrenNamed, findAll, parseXmlStrict, type XmlElement } from "../helpers/xml-tree";

const config = parseConfig({ categories: ["cs.AI"] });
const NOW = Date.parse("2026-06-30T16:00:00Z");
const LINKS: FeedLinks = {
  rss: "https://feeds.example.test/rss/cs.AI",
  atom: "https://feeds.example.test/atom/cs.AI",
  json: "https://feeds.example.test/json/cs.AI",
  html: "https://feeds.example.test/",
};
// 100 cases per format in the default run (each renders up to five papers with texts up to 60 kB);
// `npm run test:fuzz` runs many more. The timeout grows with the count: a busy machine must not fail a run.
const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
const PROPERTY_TIMEOUT = 20_000 + RUNS * 100;
const ARXIV_ABS = /^https:\/\/arxiv\.org\/abs\/\d{4}\.\d{5}$/;

/** An RSS title or Atom `type="html"` text (HTML-escaped) as a reader shows it. */
const unescapeHtml = (s: string) =>
  s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");
const child = (e: XmlElement, name: string) => childrenNamed(e, name)[0]!;

const documentOf = ({ papers, summaries }: HostileDay) => toFeedDocument(withSummaries(feedOfEvery(papers, config, NOW), summaries), LINKS);

function render(day: HostileDay) {
  const doc = documentOf(day);
  return { doc, rss: renderRss(doc), atom: renderAtom(doc), json: renderJson(doc) };
}

/** What a reader would show of each paper, in feed order. */
const expected = (day: HostileDay) =>
  [...day.papers]
    .sort((a, b) => (a.id < b.id ? 1 : -1))
    .map((p) => ({ id: p.id, title: cleanLine(p.title) || `arXiv:${p.id}`, authors: p.authors.map(cleanLine).filter(Boolean) }));

describe("arbitrary text in every field of every paper and summary", { timeout: PROPERTY_TIMEOUT }, () => {
  it("RSS: well-formed, one item per paper, links only to arXiv, titles and authors exact, HTML inert", () => {
    fc.assert(
      fc.property(hostileDay(), (day) => {
        const rss = renderRss(documentOf(day));
        const items = findAll(parseXmlStrict(rss), "item");
        const papers = expected(day);
        expect(items.map((i) => child(i, "guid").text)).toEqual(papers.map((p) => p.id));
        items.forEach((item, i) => {
          const want = papers[i]!;
          expect(unescapeHtml(child(item, "title").text)).toBe(want.title);
          expect(childrenNamed(item, "dc:creator").map((c) => c.text)).toEqual(want.authors);
          expect(child(item, "link").text).toMatch(ARXIV_ABS);
          const html = child(item, "content:encoded").text;
          expect(unsafeHtml(html)).toEqual([]);
          expect(unsafeHtml(child(item, "description").text)).toEqual([]);
          for (const category of childrenNamed(item, "category")) expect(category.text).toMatch(/^[a-z][a-z-]*(\.[A-Za-z-]+)?$/);
        });
      }),
      { numRuns: RUNS },
    );
  });

  it("Atom: well-formed, one entry per paper, links only to arXiv, titles and authors exact, HTML inert", () => {
    fc.assert(
      fc.property(hostileDay(), (day) => {
        const atom = renderAtom(documentOf(day));
        const entries = findAll(parseXmlStrict(atom), "entry");
        expect(entries).toHaveLength(day.papers.length);
        const papers = expected(day);
        entries.forEach((entry, i) => {
          const want = papers[i]!;
          expect(child(entry, "id").text).toBe(`https://arxiv.org/abs/${want.id}`);
          expect(child(entry, "title").attributes.type).toBe("html");
          expect(unescapeHtml(child(entry, "title").text)).toBe(want.title);
          expect(childrenNamed(entry, "author").map((a) => child(a, "name").text)).toEqual(want.authors);
          for (const link of childrenNamed(entry, "link")) expect(link.attributes.href).toMatch(ARXIV_ABS);
          expect(unsafeHtml(child(entry, "content").text)).toEqual([]);
          expect(unsafeHtml(child(entry, "summary").text)).toEqual([]);
        });
      }),
      { numRuns: RUNS },
    );
  });

  it("JSON Feed: valid JSON, one item per paper, links only to arXiv, titles and authors exact, HTML inert", () => {
    fc.assert(
      fc.property(hostileDay(), (day) => {
        const feed = JSON.parse(renderJson(documentOf(day))) as {
          items: { id: string; url: string; title: string; authors: { name: string }[]; content_html: string; _arxiv: { pdf: string; html: string } }[];
        };
        expect(feed.items.map((i) => ({ id: i.id, title: i.title, authors: i.authors.map((a) => a.name) }))).toEqual(expected(day));
        for (const item of feed.items) {
          expect(item.url).toMatch(ARXIV_ABS);
          expect(item._arxiv.pdf).toBe(`https://arxiv.org/pdf/${item.id}`);
          expect(item._arxiv.html).toBe(`https://arxiv.org/html/${item.id}`);
          expect(unsafeHtml(item.content_html)).toEqual([]);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("the item HTML links only to arXiv, doi.org, the license's http(s) URL and the summary's http(s)/mailto links", () => {
    fc.assert(
      fc.property(hostileDay(), (day) => {
        for (const item of documentOf(day).items) {
          for (const href of hrefsOf(item.contentHtml)) expect(href).toMatch(/^(https?:\/\/|mailto:)/i);
          const own = hrefsOf(item.contentHtml).slice(-3);
          expect(own).toEqual([`https://arxiv.org/abs/${item.guid}`, `https://arxiv.org/pdf/${item.guid}`, `https://arxiv.org/html/${item.guid}`]);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe("a hostile day from arXiv (fixtures/arxiv/hostile), each hole on its own", () => {
  const parsed = parseArxivRss(readFixture("hostile/rss-cs.CR.xml"));
  if (parsed.kind !== "feed") throw new Error("the hostile fixture must parse");
  const day: HostileDay = { papers: parsed.papers, summaries: new Map() };
  const { doc, rss, atom, json } = render(day);
  const byId = (id: string) => doc.items.find((i) => i.guid === id)!;

  it("parses all six papers: nothing an attacker writes makes a paper vanish", () => {
    expect(parsed.papers.map((p) => p.id)).toEqual(["2606.90001", "2606.90002", "2606.90003", "2606.90004", "2606.90005", "2606.90006"]);
  });

  it("a title closing its CDATA twice stays one item, with its literal text, in RSS and Atom", () => {
    const title = "A]]>B]]></title><link>https://evil.example/phish</link><description>phish</description></item><item><title><![CDATA[C";
    const items = findAll(parseXmlStrict(rss), "item");
    expect(items).toHaveLength(6);
    expect(items.map((i) => child(i, "link").text).every((l) => ARXIV_ABS.test(l))).toBe(true);
    expect(unescapeHtml(child(items.find((i) => child(i, "guid").text === "2606.90001")!, "title").text)).toBe(title);
    const entries = findAll(parseXmlStrict(atom), "entry");
    expect(entries).toHaveLength(6);
    expect(unescapeHtml(child(entries.find((e) => child(e, "id").text.endsWith("90001"))!, "title").text)).toBe(title);
    // The attacker's link is in the title's text only, never an element of its own.
    expect(findAll(parseXmlStrict(rss), "link").some((l) => l.text.includes("evil"))).toBe(false);
    expect(findAll(parseXmlStrict(atom), "link").some((l) => l.attributes.href?.includes("evil"))).toBe(false);
  });

  it("a category with < and & is dropped, so Atom stays well-formed", () => {
    expect(byId("2606.90002").categories).toEqual(["cs.CR"]);
    expect(() => parseXmlStrict(atom)).not.toThrow();
    const entry = findAll(parseXmlStrict(atom), "entry").find((e) => child(e, "id").text.endsWith("90002"))!;
    expect(childrenNamed(entry, "category").map((c) => c.attributes.term)).toEqual(["cs.CR"]);
  });

  it("a javascript: license is shown as text, never as a link", () => {
    const html = byId("2606.90003").contentHtml;
    expect(html).toContain("License: javascript:alert(document.domain)");
    expect(hrefsOf(html).some((h) => /javascript/i.test(h))).toBe(false);
    expect(unsafeHtml(html)).toEqual([]);
  });

  it("bidirectional overrides and zero-width characters are gone from titles and names", () => {
    expect(byId("2606.90004").title).toBe("Invoice fdp.exe and isolated text");
    expect(byId("2606.90004").authors).toEqual(["Mallory yrollam", "Trudy Intruder"]);
    for (const text of [rss, atom, json]) expect(text).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u200B]/);
  });

  it("markup in the abstract, DOI and journal reference is text; the DOI links to doi.org only when it is a DOI", () => {
    const html = byId("2606.90005").contentHtml;
    expect(unsafeHtml(html)).toEqual([]);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(hrefsOf(html).filter((h) => h.includes("doi.org"))).toEqual(["https://doi.org/10.1000/x%22%3E%3Cscript%3Ealert(1)%3C/script%3E"]);
    expect(html).toContain("Journal ref: &lt;b&gt;Proc. of&lt;/b&gt; javascript:alert(1)");
  });

  it("entities written literally stay literal for the reader", () => {
    const jsonItems = (JSON.parse(json) as { items: { id: string; title: string; authors: { name: string }[] }[] }).items;
    const item = jsonItems.find((i) => i.id === "2606.90006")!;
    expect(item.title).toBe("Tom &amp; Jerry <b>literally</b> and <![CDATA[ ]]]]> inside");
    expect(item.authors.map((a) => a.name)).toEqual(["O'Brien &amp; Sons", "<i>Italic</i> Person"]);
    const rssItem = findAll(parseXmlStrict(rss), "item").find((i) => child(i, "guid").text === "2606.90006")!;
    expect(unescapeHtml(child(rssItem, "title").text)).toBe(item.title);
    expect(childrenNamed(rssItem, "dc:creator").map((c) => c.text)).toEqual(["O'Brien &amp; Sons", "<i>Italic</i> Person"]);
  });
});
