// A strict reading of XML (saxes: XML 1.0 well-formedness and namespaces, as a conforming parser reads it),
// into a small tree: what a feed reader would get from our bytes, or an error saying why it would not.
import { SaxesParser } from "saxes";

export interface XmlElement {
  /** The qualified name as written: `item`, `dc:creator`. */
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own character data (text and CDATA sections, joined), without its children's. */
  text: string;
}

/** Parses `xml` strictly; throws on anything a conforming parser would reject. */
export function parseXmlStrict(xml: string): XmlElement {
  const parser = new SaxesParser({ xmlns: true });
  const root: XmlElement = { name: "#document", attributes: {}, children: [], text: "" };
  const stack: XmlElement[] = [root];
  let error: Error | undefined;
  parser.on("error", (e) => {
    error ??= e;
  });
  parser.on("opentag", (tag) => {
    const attributes: Record<string, string> = {};
    for (const [name, attr] of Object.entries(tag.attributes)) attributes[name] = typeof attr === "string" ? attr : attr.value;
    const element: XmlElement = { name: tag.name, attributes, children: [], text: "" };
    stack.at(-1)!.children.push(element);
    stack.push(element);
  });
  parser.on("closetag", () => void stack.pop());
  parser.on("text", (t) => void (stack.at(-1)!.text += t));
  parser.on("cdata", (t) => void (stack.at(-1)!.text += t));
  parser.write(xml).close();
  if (error) throw error;
  return root;
}

/** Every descendant element named `name`, in document order. */
export function findAll(element: XmlElement, name: string): XmlElement[] {
  const found: XmlElement[] = [];
  const walk = (e: XmlElement) => {
    for (const child of e.children) {
      if (child.name === name) found.push(child);
      walk(child);
    }
  };
  walk(element);
  return found;
}

/** The direct children named `name`. */
export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((c) => c.name === name);
}
