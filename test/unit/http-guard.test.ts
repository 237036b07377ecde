// What the process refuses before Next sees it: methods other than GET and HEAD, and request targets that
// are not paths.
import { describe, expect, it } from "vitest";
import { refusal } from "../../lib/http-guard";

describe("refusal", () => {
  it.each(["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "PROPFIND", undefined])("%s → 405", (method) => {
    expect(refusal(method, "/rss")).toEqual({ status: 405, message: "only GET and HEAD are served here" });
  });

  it.each(["*", "", "http://evil.example/rss", "//evil.example/rss", undefined])("a request target of %j → 400", (url) => {
    expect(refusal("GET", url)).toEqual({ status: 400, message: "the request target must be a path" });
  });

  it.each(["/", "/rss/cs.AI?keywords=LLM", "/_next/static/chunks/a.js", "/%ff"])("GET %s passes (the proxy judges escapes)", (url) => {
    expect(refusal("GET", url)).toBeUndefined();
    expect(refusal("HEAD", url)).toBeUndefined();
  });
});
