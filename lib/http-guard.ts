// The first thing a request meets under `next start`: the service only reads, so a method other than GET
// or HEAD gets 405 here, and a request target that is not a path (`*`) gets 400, before Next (which answers
// TRACE, `*`, or a POST to a static file with a 500 and a stack trace from deep inside it). On Vercel the
// platform and proxy.ts do the same.
import { Server, type IncomingMessage, type ServerResponse } from "node:http";

/** What to answer instead of letting the request through, or undefined to let it through. */
export function refusal(method: string | undefined, url: string | undefined): { status: 400 | 405; message: string } | undefined {
  if (method !== "GET" && method !== "HEAD") return { status: 405, message: "only GET and HEAD are served here" };
  if (!url || !url.startsWith("/") || url.startsWith("//")) return { status: 400, message: "the request target must be a path" };
  return undefined;
}

const GUARDED = Symbol.for("arxiv-rss-bot.http-guard");

/** Makes every HTTP server of the process refuse such requests; idempotent. */
export function guardHttpServers(): void {
  const proto = Server.prototype as Server & { [GUARDED]?: boolean };
  if (proto[GUARDED]) return;
  proto[GUARDED] = true;
  const emit = proto.emit;
  proto.emit = function guardedEmit(this: Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === "request") {
      const [req, res] = args as [IncomingMessage, ServerResponse];
      const refused = refusal(req.method, req.url);
      if (refused) {
        const body = `${refused.status} ${refused.status === 405 ? "Method Not Allowed" : "Bad Request"}: ${refused.message}\n`;
        res.writeHead(refused.status, {
          "Content-Type": "text/plain; charset=utf-8",
          "Content-Length": Buffer.byteLength(body),
          "Cache-Control": "no-store",
          "X-Content-Type-Options": "nosniff",
          ...(refused.status === 405 ? { Allow: "GET, HEAD" } : {}),
          Connection: "close",
        });
        res.end(req.method === "HEAD" ? undefined : body);
        return true;
      }
    }
    return Reflect.apply(emit, this, [event, ...args]) as boolean;
  } as typeof proto.emit;
}
