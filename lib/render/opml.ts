// Pure: an OPML 2.0 subscription list, so a reader can import every feed of a deployment at once.
import { escapeXmlAttr, escapeXmlText } from "./escape";

export interface OpmlOutline {
  text: string;
  xmlUrl: string;
  htmlUrl: string;
  description?: string;
}

export function renderOpml(title: string, outlines: readonly OpmlOutline[], created: Date): string {
  const lines = outlines.map(
    (o) =>
      `    <outline type="rss" text="${escapeXmlAttr(o.text)}" title="${escapeXmlAttr(o.text)}" xmlUrl="${escapeXmlAttr(o.xmlUrl)}" htmlUrl="${escapeXmlAttr(o.htmlUrl)}"${
        o.description ? ` description="${escapeXmlAttr(o.description)}"` : ""
      }/>`,
  );
  return `<?xml version="1.0" encoding="utf-8"?>
<opml version="2.0">
  <head>
    <title>${escapeXmlText(title)}</title>
    <dateCreated>${created.toUTCString()}</dateCreated>
  </head>
  <body>
${lines.join("\n")}
  </body>
</opml>
`;
}
