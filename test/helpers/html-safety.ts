// Whether a piece of HTML carries anything a browser or feed reader would run.

function decodeEntities(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);?/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);?/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&colon;/gi, ":")
    .replace(/&tab;/gi, "\t")
    .replace(/&newline;/gi, "\n")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;|&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

/** Every real tag in `html` (escaped ones, `&lt;script&gt;`, are text and are not tags). */
export function tagsOf(html: string): string[] {
  return [...html.matchAll(/<\/?[a-zA-Z][^>]*>/g)].map((m) => m[0]);
}

/** The value of every href/src/action/formaction/xlink:href attribute, entity-decoded. */
export function urlsOf(html: string): string[] {
  const urls: string[] = [];
  for (const tag of tagsOf(html)) {
    for (const m of tag.matchAll(/\s(?:href|src|action|formaction|xlink:href|poster|background)\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/gi)) {
      urls.push(decodeEntities(m[2] ?? m[3] ?? m[4] ?? ""));
    }
  }
  return urls;
}

const DANGEROUS_TAGS = /^<\s*(script|iframe|object|embed|img|svg|math|style|link|meta|base|form|input|button|frame|frameset|video|audio|source)\b/i;

/** Problems that would make `html` run something in a reader; empty when it is inert. */
export function htmlSafetyProblems(html: string): string[] {
  const problems: string[] = [];
  if (/<script/i.test(html)) problems.push("contains <script");
  for (const tag of tagsOf(html)) {
    // Table alignment is the one style markdown-it writes; anything else would be injected.
    const withoutAlign = tag.replace(/\sstyle="text-align:(left|right|center)"/g, "");
    // Quoted attribute values are data: only what is outside them can be an attribute name.
    const outsideValues = withoutAlign.replace(/"[^"]*"|'[^']*'/g, '""');
    if (/\son\w+\s*=/i.test(outsideValues) || /[/"']on\w+\s*=/i.test(outsideValues)) problems.push(`event handler in ${tag}`);
    if (/\sstyle\s*=/i.test(outsideValues)) problems.push(`style attribute in ${tag}`);
    if (DANGEROUS_TAGS.test(tag)) problems.push(`dangerous element ${tag}`);
  }
  for (const url of urlsOf(html)) {
    // Browsers ignore whitespace and control characters inside a scheme.
    const squeezed = url.replace(/[\u0000-\u0020\u007F-\u009F]/g, "").toLowerCase();
    if (/^(javascript|vbscript|data|file):/.test(squeezed)) problems.push(`dangerous URL ${JSON.stringify(url)}`);
  }
  return problems;
}
