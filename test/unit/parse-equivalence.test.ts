// lib/arxiv/parse.ts skips fast-xml-parser's separate validation pass for documents its quick scan vouches
// for, reads arXiv's item fields as written and checks items by hand; test/helpers/parse-reference.ts is the
// parser as it was (validator, object tree, zod per item). They must agree exactly: on every fixture, and on
// feeds cut short, damaged, and written with everything XML allows and arXiv never writes (entities, CDATA,
// comments, DOCTYPE, BOM, markup inside fields, fields twice). Agreeing means the same outcome: the same
// kind and message for what is rejected, the same papers, skipped count, date and categories for a feed.
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { isPlainWellFormed, parseArxivRss, parseArxivRssBytes } from "../../lib/arxiv/parse";
import { readFixture } from "../helpers/fixtures";
import * as reference from "../helpers/parse-reference";

// `npm run test:fuzz` (FUZZ_RUNS=2000) tries many more cases.
const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
const PROPERTY_TIMEOUT = 20_000 + RUNS * 20;

const FIXTURE_FILES = (readdirSync(fileURLToPath(new URL("../fixtures/arxiv/", import.meta.url)), { recursive: true }) as string[])
  .filter((f) => f.endsWith(".xml"))
  .sort();

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The same outcome from the text, and from its bytes (what a fetch reads) as from the text they decode to. */
function expectAgreement(xml: string): void {
  const expected = reference.parseArxivRss(xml);
  expect(parseArxivRss(xml)).toStrictEqual(expected);
  // A lone surrogate has no UTF-8, and decoding takes a byte order mark off: then the bytes are other text.
  const bytes = encoder.encode(xml);
  const text = decoder.decode(bytes);
  expect(parseArxivRssBytes(bytes)).toStrictEqual(text === xml ? expected : reference.parseArxivRss(text));
}

/** parseArxivRssBytes gives the reference's outcome for the text the bytes decode to. */
function expectBytesAgreement(bytes: Uint8Array): void {
  expect(parseArxivRssBytes(bytes)).toStrictEqual(reference.parseArxivRss(decoder.decode(bytes)));
}

describe("parseArxivRss gives the reference's outcome on every fixture", () => {
  it("finds the fixtures", () => {
    expect(FIXTURE_FILES).toContain("rss-large-cs.AI+cs.CL+cs.CV+cs.LG.xml");
    expect(FIXTURE_FILES).toContain("hostile/rss-cs.CR.xml");
    expect(FIXTURE_FILES.length).toBeGreaterThanOrEqual(11);
  });

  it.each(FIXTURE_FILES)("%s", (file) => {
    expectAgreement(readFixture(file));
  });

  it("a day's feed cut short, and with a tag, an entity or a comment added", () => {
    const xml = readFixture("day/rss-cs.LG.xml");
    const middle = xml.indexOf("<item>", xml.length / 2);
    const at = (insert: string) => xml.slice(0, middle) + insert + xml.slice(middle);
    for (const damaged of [
      xml.slice(0, middle),
      xml.slice(0, xml.lastIndexOf("</channel>")),
      xml.replace("</title>", "</titl>"),
      at("<title>&broken</title>"),
      at("<!-- a comment -->"),
      at("<item><title>&#233;&nbsp;&bogus;</title></item>"),
    ]) {
      expectAgreement(damaged);
    }
  });
});

/** A feed of one channel and the given items, as arXiv writes it but for what the caller puts in. */
function feedOf(items: string, prologue = "", epilogue = "\n", channel = ""): string {
  return (
    `${prologue}<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0">\n<channel>\n` +
    `${channel || "<title>cs.AI, cs.LG updates on arXiv.org</title>\n<link>http://rss.arxiv.org/rss/cs.AI+cs.LG</link>\n<description>d &amp; e</description>\n<pubDate>Tue, 30 Jun 2026 00:00:00 -0400</pubDate>"}\n` +
    `${items}\n</channel>\n</rss>${epilogue}`
  );
}

/** One item of arXiv's fields, `fields` replacing or adding some (a null value leaves the field out). */
function itemOf(fields: Record<string, string | null> = {}): string {
  const all: Record<string, string | null> = {
    title: "Graphs &amp; agents",
    link: "https://arxiv.org/abs/2606.10001",
    description: "arXiv:2606.10001v2 Announce Type: new \nAbstract: We study &lt;things&gt; &#8212; caf&#233; style.",
    guid: "oai:arXiv.org:2606.10001v2",
    category: "cs.AI",
    pubDate: "Tue, 30 Jun 2026 00:00:00 -0400",
    "arxiv:announce_type": "new",
    "dc:rights": "http://creativecommons.org/licenses/by/4.0/",
    "dc:creator": "Ada Lovelace, Jos\\'e Mour\\~ao and Kurt G\\\"odel",
    ...fields,
  };
  return `<item>${Object.entries(all).filter(([, v]) => v !== null).map(([k, v]) => `<${k}>${v}</${k}>`).join("\n")}</item>`;
}

describe("parseArxivRss gives the reference's outcome on what arXiv never writes", () => {
  it.each([
    ["entities at a field's edges", feedOf(itemOf({ title: "&nbsp;&#32;Title&#10;&nbsp;", "dc:creator": " &#x20; A, B " }))],
    ["references to characters XML 1.0 forbids", feedOf(itemOf({ title: "a&#1;b&#0;c&#xD800;d&#x110000;e" }))],
    ["the same, in an XML 1.1 document", feedOf(itemOf({ title: "a&#1;b&#0;c&#xD800;d&#x110000;e" }), '<?xml version="1.1"?>\n')],
    ["HTML entities, known and not", feedOf(itemOf({ title: "&mdash;&euro;&copy;&eacute;&bogus;&#;&#x;" }))],
    ["empty and self-closing fields", feedOf([itemOf({ title: "" }), itemOf({ "dc:creator": "" }), itemOf({ guid: "   " }), itemOf().replace("<dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>", "<dc:rights/>")].join(""))],
    ["a field twice, or left out", feedOf([itemOf().replace("<link>", "<link>x</link><link>"), itemOf().replace("<title>", "<title>x</title><title>"), itemOf({ guid: null }), itemOf({ title: null })].join(""))],
    ["categories, one holding markup", feedOf(itemOf({ category: "cs.AI</category><category>cs.LG</category><category><b>x</b>" }))],
    ["markup in a field", feedOf([itemOf({ title: "a <b>bold</b> move" }), itemOf({ description: "<p>x</p>" }), itemOf({ "arxiv:DOI": "<x/>" })].join(""))],
    ["CDATA and comments in fields", feedOf([itemOf({ title: "<![CDATA[ A & <B> ]]>" }), itemOf({ title: "A<!-- c -->B" }), itemOf({ title: "A <![CDATA[]]> B" })].join(""))],
    ["a DOCTYPE and its entities", feedOf(itemOf({ title: "&e; and &amp;" }), '<!DOCTYPE rss [<!ENTITY e "entity text">]>\n')],
    ["a byte order mark", feedOf(itemOf(), "\uFEFF<?xml version='1.0'?>")],
    ["a processing instruction in a field", feedOf(itemOf({ title: "A<?pi x?>B" }))],
    ["names JavaScript objects keep for themselves", feedOf(itemOf({ constructor: "x" }))],
    ...["<__proto__/>", "<constructor/>", "<prototype/>"].map((tag) => [`the same, as an empty tag ${tag}`, feedOf(itemOf().replace("<link>", `${tag}<link>`))]),
    ["two of them, the first an empty tag", feedOf(itemOf().replace("<link>", "<prototype/><link>") + itemOf().replace("<link>", "<__proto__>x</__proto__><link>"))],
    ["a field named like an object's method", feedOf(itemOf({ toString: "x", hasOwnProperty: "y" }))],
    ["text beside an item's fields", feedOf(itemOf().replace("<title>", "stray text<title>"))],
    ["items that are text or empty", feedOf("<item>text</item><item/><item></item>" + itemOf())],
    ["a channel field twice", feedOf(itemOf(), "", "\n", "<title>a</title><title>b</title>")],
    ["a channel field holding markup", feedOf(itemOf(), "", "\n", "<title>cs.AI <b>x</b></title>")],
    ["no channel", '<rss version="2.0"><item/></rss>'],
    ["two channels", '<rss version="2.0"><channel/><channel/></rss>'],
    ["a channel of text", '<rss version="2.0"><channel>text</channel></rss>'],
    ["another root", "<feed><channel/></feed>"],
    ["a self-closing root", "<rss/>"],
    ["carriage returns", feedOf(itemOf({ title: "A\r\nB\rC" })).replace(/\n/g, "\r\n")],
    ["a tag with attributes and spaces", feedOf(itemOf().replace("<title>", '<title  lang="en"\n\t>'))],
    ["more items than arXiv sends", feedOf("<item/>".repeat(2001))],
    ["nothing", ""],
    ["only spaces", " \n "],
    ["text", "Rate exceeded."],
    ["JSON", '{"rss": {"channel": {}}}'],
    ["an HTML page", readFixture("html/2606.30639.html")],
  ])("%s", (_name, xml) => {
    expectAgreement(xml);
  });
});

describe("parseArxivRssBytes gives the reference's outcome on bytes that are not all ASCII", () => {
  const utf8 = (text: string) => encoder.encode(text);
  const join = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === "string" ? utf8(p) : Uint8Array.from(p))));
  const item = itemOf({ title: "Caf\u00E9 \u4E2D\u6587 \u{1F600}" });
  it.each([
    ["characters of one, two, three and four bytes in an item", utf8(feedOf(item))],
    ["no-break spaces at a field's edges (0xA0 is a space one byte a character)", utf8(feedOf(itemOf({ title: "\u00A0\u00E0 Title \u00E0\u00A0", "dc:creator": "\u00A0A, B\u00A0" })))],
    ["a channel title that is not ASCII", utf8(feedOf(item, "", "\n", "<title>cs.AI updates on arXiv.org \u2014 caf\u00E9</title>"))],
    ["a feed error said in words that are not ASCII", utf8(feedOf("", "", "\n", "<title>Feed error for query: cs.FOO</title>\n<description>Caf\u00E9 \u2014 unknown</description>"))],
    ["a channel field after the items that is not ASCII", utf8(feedOf(item + "<title>\u00E9</title>"))],
    ["a character that is not ASCII between two items", utf8(feedOf(`${item}\u00E9${item}`))],
    ["an item field holding markup, and not ASCII", utf8(feedOf(itemOf({ title: "caf\u00E9 <b>x</b>" })))],
    ["a byte order mark", join([0xef, 0xbb, 0xbf], feedOf(item))],
    ["bytes that are not UTF-8 in an item", join(feedOf(itemOf({ title: "A" })).replace("<title>A", "<title>A\u0001"), [])
      .map((b) => (b === 1 ? 0xc3 : b))],
    ["a character cut short before a tag, and stray continuation bytes", join(feedOf(itemOf({ title: "A\u0001B\u0002" }))).map((b) => (b === 1 ? 0xe4 : b === 2 ? 0xa0 : b))],
    ["an overlong encoding and a surrogate's bytes", join(feedOf(itemOf({ title: "\u0001\u0002" }))).map((b) => (b === 1 ? 0xc0 : b === 2 ? 0xed : b))],
    ["bytes that are not UTF-8 in the channel", join(feedOf(item, "", "\n", "<title>cs.AI updates on arXiv.org \u0001</title>")).map((b) => (b === 1 ? 0xff : b))],
  ])("%s", (_name, bytes) => {
    expectBytesAgreement(bytes);
  });

  it("real feeds with bytes inserted, any bytes, anywhere", () => {
    const bytesOf = realFeed.chain((xml) =>
      fc.array(fc.tuple(position(xml), fc.uint8Array({ minLength: 1, maxLength: 4 })), { minLength: 1, maxLength: 3 }).map((inserts) => {
        // Positions in the text, as positions in its bytes: the text is mostly ASCII, and an insert inside a
        // character is one more way for the bytes to be wrong.
        const bytes = utf8(xml);
        const sorted = inserts.map(([at, b]) => [Math.min(at, bytes.length), b] as const).sort((a, b) => a[0] - b[0]);
        const parts: Uint8Array[] = [];
        let from = 0;
        for (const [at, b] of sorted) {
          parts.push(bytes.subarray(from, at), b);
          from = at;
        }
        parts.push(bytes.subarray(from));
        return Buffer.concat(parts);
      }),
    );
    fc.assert(fc.property(bytesOf, expectBytesAgreement), { numRuns: RUNS });
  }, PROPERTY_TIMEOUT);
});

// ---- Generators ------------------------------------------------------------------------------------------

/** What may stand in text: references (known, unknown, to characters XML forbids), odd characters, arXiv's own words. */
const TEXT_PIECES = [
  "&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#233;", "&#xE9;", "&#x1F600;", "&#128512;", "&nbsp;", "&mdash;", "&euro;", "&copy;",
  "&eacute;", "&bogus;", "&e;", "&#0;", "&#1;", "&#9;", "&#10;", "&#13;", "&#32;", "&#xD800;", "&#x110000;", "&#;", "&#x;",
  "]]>", ">", "'", '"', " ", "  ", "\t", "\n", "\r\n", "\r", "\u00A0", "\uFEFF", "\u2028", "é", "中文", "😀", "\\'e", "$x>y$",
  "arXiv:2606.00001v2", "Announce Type: cross", "Abstract:", "cs.AI", "0", "2606.00002", ",", " and ",
];
/** Markup that is well-formed in a field (arXiv never writes any there). */
const MARKUP_PIECES = [
  "<![CDATA[x & <y>]]>", "<![CDATA[]]>", "<![CDATA[  spaced  ]]>", "<!-- comment -->", "<!---->", "<?pi data?>",
  "<b>bold</b>", "<b/>", '<b a="1">x</b>', "<i>it<b>b</b></i>", "<title>inner</title>", "<category>cs.LG</category>",
];
/** Pieces that break the document, or the parser. */
const BROKEN_PIECES = [
  "&", "& ", "&amp", "&#", "&#x", "&#xZZ;", "&#X41;", "&123456789012345678901;", "<", "</", "<b>", "</b>", "<![CDATA[", "<!--",
  "<!DOCTYPE x>", "<?xml version='1.0'?>", "</item>", "<item>", "</channel>", "</rss>", '<a b="1" b="2"/>', "<a b>", "<a b=1>",
  "<constructor>x</constructor>", "<__proto__/>", "<constructor/>", "<prototype />", "<toString>x</toString>", "<#text>x</#text>",
];

/** How strange a generated feed is: entities and characters only (what the quick scan vouches for), markup too, breakage too. */
type Strangeness = "text" | "markup" | "broken";

function pieceOf(strangeness: Strangeness): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...TEXT_PIECES) },
    { weight: strangeness === "text" ? 0 : 3, arbitrary: fc.constantFrom(...MARKUP_PIECES) },
    { weight: strangeness === "broken" ? 2 : 0, arbitrary: fc.constantFrom(...BROKEN_PIECES) },
    // Any characters but < and & (those only as the pieces write them, or the feed is broken).
    { weight: 3, arbitrary: fc.string({ maxLength: 5 }).map((s) => (strangeness === "broken" ? s : s.replace(/[<&]/g, ""))) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 3 }).map((s) => (strangeness === "broken" ? s : s.replace(/[<&]/g, ""))) },
  );
}

/** `at`, or the end of the reference it falls in (pieces put inside `&amp;` would break it). */
function outsideReference(text: string, at: number): number {
  const amp = text.lastIndexOf("&", at - 1);
  return amp >= 0 && amp > text.lastIndexOf(";", at - 1) ? text.indexOf(";", amp) + 1 : at;
}

/** A field's value: mostly arXiv's own; now and then with pieces before, inside or after it, or in CDATA, or only pieces. */
function valueFrom(base: string, strangeness: Strangeness): fc.Arbitrary<string> {
  const piece = pieceOf(strangeness);
  return fc.oneof(
    { weight: 25, arbitrary: fc.constant(base) },
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.array(piece, { maxLength: 2 }), fc.nat(base.length), fc.array(piece, { maxLength: 3 }), fc.array(piece, { maxLength: 2 }))
        .map(([before, at, inside, after]) => {
          const cut = strangeness === "broken" ? at : outsideReference(base, at);
          return before.join("") + base.slice(0, cut) + inside.join("") + base.slice(cut) + after.join("");
        }),
    },
    { weight: strangeness === "text" ? 0 : 1, arbitrary: fc.constant(`<![CDATA[${base.replace(/&amp;/g, "&")}]]>`) },
    { weight: 1, arbitrary: fc.array(piece, { maxLength: 6 }).map((p) => p.join("")) },
  );
}

type Field = [name: string, value: string | null]; // null: self-closing

const TYPES = ["new", "cross", "replace", "replace-cross"];
const ITEM_FIELDS = (n: number): Field[] => [
  ["title", `A paper about graphs &amp; agents, number ${n}`],
  ["link", `https://arxiv.org/abs/2606.${10000 + n}`],
  ["description", `arXiv:2606.${10000 + n}v${1 + (n % 3)} Announce Type: ${TYPES[n % 4]} \nAbstract: We study &lt;things&gt; at scale &#8212; caf&#233; style.`],
  ["guid", `oai:arXiv.org:2606.${10000 + n}v${1 + (n % 3)}`],
  ["category", "cs.AI"],
  ["category", n % 2 ? "cs.LG" : "stat.ML"],
  ["pubDate", "Tue, 30 Jun 2026 00:00:00 -0400"],
  ["arxiv:announce_type", TYPES[n % 4]!],
  ["dc:rights", "http://creativecommons.org/licenses/by/4.0/"],
  ["dc:creator", "Ada Lovelace, Jos\\'e Mour\\~ao and Kurt G\\\"odel"],
  ["arxiv:DOI", "10.1000/xyz&amp;1"],
  ["arxiv:journal_reference", "J. Things 1 (2026)"],
];
// Beside arXiv's own: others, and names a JavaScript object keeps for itself (fast-xml-parser refuses some).
const FIELD_NAMES = [...new Set(ITEM_FIELDS(0).map(([name]) => name)), "extra", "item", "__proto__", "constructor", "prototype", "toString"];

/** Most often nothing, now and then a few. */
const rarely = <T>(list: fc.Arbitrary<T[]>): fc.Arbitrary<T[]> => fc.oneof({ weight: 4, arbitrary: fc.constant<T[]>([]) }, { weight: 1, arbitrary: list });

/** An item: arXiv's fields, each now and then changed, emptied or dropped, and now and then one more (a field again, or another). */
function itemArbitrary(strangeness: Strangeness): fc.Arbitrary<string> {
  return fc
    .tuple(fc.nat(99), rarely(fc.array(fc.tuple(fc.constantFrom(...FIELD_NAMES), fc.nat()), { minLength: 1, maxLength: 2 })), rarely(fc.array(fc.nat(ITEM_FIELDS(0).length - 1), { minLength: 1, maxLength: 2 })))
    .chain(([n, extra, dropped]) => {
      const fields = ITEM_FIELDS(n).map(([name, value]) =>
        fc.oneof({ weight: 40, arbitrary: valueFrom(value!, strangeness) }, { weight: 1, arbitrary: fc.constantFrom("", null) }).map((v): Field => [name, v]),
      );
      const more = extra.map(([name]) => fc.oneof(valueFrom("cs.CV", strangeness), fc.constantFrom("", null)).map((v): Field => [name, v]));
      return fc.tuple(fc.tuple(...fields), fc.tuple(...more)).map(([base, added]) => {
        const all: Field[] = base.filter((_, i) => !dropped.includes(i));
        added.forEach((field, i) => all.splice(extra[i]![1] % (all.length + 1), 0, field));
        return `<item>\n${all.map(([name, value]) => (value === null ? `<${name}/>` : `<${name}>${value}</${name}>`)).join("\n")}\n</item>`;
      });
    });
}

const PROLOGUES: Record<Strangeness, string[]> = {
  text: ["", "<?xml version='1.0' encoding='UTF-8'?>\n", '<?xml version="1.0"?>', '<?xml version="1.1"?>\n', "  \n"],
  markup: ["\uFEFF", "\uFEFF<?xml version='1.0'?>", "<!-- before -->\n", '<!DOCTYPE rss [<!ENTITY e "entity text">]>\n', "<?xml version='1.1'?><!DOCTYPE rss>", "<?xml-stylesheet href='x'?>"],
  broken: [" <?xml version='1.0'?>", "junk", "<?xml version='1.0'"],
};
const EPILOGUES: Record<Strangeness, string[]> = { text: ["", "\n", "\n\n  "], markup: ["<!-- after -->", "<?pi?>"], broken: ["junk", "<rss/>", "</rss>"] };
const CHANNEL_EXTRAS: Record<Strangeness, string[]> = {
  text: ["<skipDays><day>Sunday</day></skipDays>", "<item/>", "<item>text</item>", "<channel/>", "<title>again</title>"],
  markup: ["<!-- c -->", "<?pi?>", "<title><![CDATA[cs.AI updates on arXiv.org]]></title>"],
  broken: [],
};
const LEVELS: Strangeness[] = ["text", "markup", "broken"];
const upTo = (strangeness: Strangeness) => LEVELS.slice(0, LEVELS.indexOf(strangeness) + 1);

/** A whole feed: a prologue, the channel's fields (each now and then changed), items, an epilogue. */
function feedArbitrary(strangeness: Strangeness): fc.Arbitrary<string> {
  const choose = (lists: Record<Strangeness, string[]>) => fc.constantFrom(...upTo(strangeness).flatMap((s) => lists[s]));
  return fc
    .record({
      prologue: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...PROLOGUES.text) }, { weight: 1, arbitrary: choose(PROLOGUES) }),
      title: valueFrom("cs.AI, cs.LG updates on arXiv.org", strangeness),
      link: valueFrom("http://rss.arxiv.org/rss/cs.AI+cs.LG", strangeness),
      pubDate: valueFrom("Tue, 30 Jun 2026 00:00:00 -0400", strangeness),
      extra: fc.oneof({ weight: 4, arbitrary: fc.constant("") }, { weight: 1, arbitrary: choose(CHANNEL_EXTRAS) }),
      items: fc.array(itemArbitrary(strangeness), { minLength: 1, maxLength: 4 }),
      epilogue: fc.oneof({ weight: 3, arbitrary: fc.constant("\n") }, { weight: 1, arbitrary: choose(EPILOGUES) }),
    })
    .map(({ prologue, title, link, pubDate, extra, items, epilogue }) =>
      feedOf(items.join("\n"), prologue, epilogue, `<title>${title}</title>\n<link>${link}</link>\n<description>d &amp; e</description>\n<pubDate>${pubDate}</pubDate>\n${extra}`),
    );
}

// Real feeds, small enough to parse twice per run.
const REAL = ["real/rss-cs.AI-2026-04-27-trimmed.xml", "real/rss-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-trimmed.xml", "hostile/rss-cs.CR.xml", "day/rss-cs.DC.xml"];
const realFeed = fc.constantFrom(...REAL).map(readFixture);

/** Where an edit goes: anywhere, or near a tag's edge (where most of what can go wrong is). */
function position(xml: string): fc.Arbitrary<number> {
  const edges = [...xml.matchAll(/[<>]/g)].map((m) => m.index);
  return fc.oneof(
    fc.nat(xml.length),
    fc.tuple(fc.constantFrom(...edges), fc.integer({ min: -2, max: 3 })).map(([at, d]) => Math.max(0, Math.min(xml.length, at + d))),
  );
}

interface Edit {
  at: number;
  remove: number;
  insert: string;
}
const edits = (xml: string): fc.Arbitrary<Edit[]> =>
  fc.array(
    fc.record({
      at: position(xml),
      remove: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 12 }) }),
      insert: fc.oneof(fc.constant(""), pieceOf("broken"), fc.string({ maxLength: 2 })),
    }),
    { minLength: 1, maxLength: 3 },
  );

/** The edits applied from the last position to the first, so that each lands where it was aimed. */
function applyEdits(xml: string, list: Edit[]): string {
  for (const { at, remove, insert } of [...list].sort((a, b) => b.at - a.at)) xml = xml.slice(0, at) + insert + xml.slice(at + remove);
  return xml;
}

const withEdits = (xml: fc.Arbitrary<string>) => xml.chain((x) => edits(x).map((list) => applyEdits(x, list)));
const cut = (xml: fc.Arbitrary<string>) => xml.chain((x) => position(x).map((at) => x.slice(0, at)));

describe("parseArxivRss gives the reference's outcome on feeds written strangely, damaged and cut short", () => {
  const options = { numRuns: RUNS };
  it.each([
    ["a real feed cut at any point", cut(realFeed)],
    ["a real feed with characters inserted, deleted or replaced", withEdits(realFeed)],
    ["feeds with entities, odd characters, odd fields, fields twice or missing", feedArbitrary("text")],
    ["feeds with CDATA, comments, processing instructions, DOCTYPE, BOM and markup in fields too", feedArbitrary("markup")],
    ["feeds with broken pieces", feedArbitrary("broken")],
    ["feeds damaged", withEdits(feedArbitrary("markup"))],
    ["feeds cut short", cut(feedArbitrary("markup"))],
  ])("%s", (_name, xml) => {
    fc.assert(fc.property(xml, expectAgreement), options);
  }, PROPERTY_TIMEOUT);

  // What lets parseArxivRss skip the validator: implied by the properties above, asserted on its own here.
  it("the quick scan vouches only for documents the validator accepts", () => {
    const any = fc.oneof(withEdits(realFeed), feedArbitrary("text"), feedArbitrary("broken"), withEdits(feedArbitrary("markup")));
    fc.assert(fc.property(any, (xml) => !isPlainWellFormed(xml) || XMLValidator.validate(xml) === true), options);
  }, PROPERTY_TIMEOUT);
});
