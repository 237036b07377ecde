// Where absolute links (feed self links, Atom ids, OPML) point. A forged header must never reach a response
// that a shared cache keeps for everyone: SITE_URL wins; otherwise the request's own Host, only when it is a
// well-formed host name, and the response then varies on it; X-Forwarded-Host only where the platform (or a
// proxy the operator configured) sets it itself.
import { AppError } from "./errors";

export interface OriginPolicy {
  /** SITE_URL: the deployment's public origin. */
  siteUrl?: string;
  /** On Vercel, or with TRUST_PROXY=1: X-Forwarded-Host and -Proto come from a proxy, not the client. */
  trustForwardedHeaders: boolean;
}

export interface ResolvedOrigin {
  /** `https://feeds.example.org`, no trailing slash. */
  origin: string;
  /** Request headers the origin was read from: a response that uses it must `Vary` on them. */
  vary: string[];
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;

/** `example.org`, `feeds.local:8080`, `[::1]:3000`; no userinfo, path, spaces or impossible port. */
export function isHostHeader(value: string): boolean {
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(value);
  if (!m) return false;
  if (m[2] !== undefined && !(Number(m[2]) >= 1 && Number(m[2]) <= 65535)) return false;
  const name = m[1]!;
  if (name.startsWith("[")) {
    try {
      return new URL(`http://${name}/`).hostname === name.toLowerCase();
    } catch {
      return false;
    }
  }
  const labels = name.replace(/\.$/, "").split(".");
  return name.length <= 253 && labels.every((label) => LABEL.test(label));
}

function firstValue(header: string | null): string | undefined {
  const value = header?.split(",")[0]?.trim();
  return value ? value : undefined;
}

/** The origin for absolute links in the answer to `request`; 400 for a Host no client could mean. */
export function resolveOrigin(request: Pick<Request, "url" | "headers">, policy: OriginPolicy): ResolvedOrigin {
  if (policy.siteUrl) return { origin: policy.siteUrl.replace(/\/+$/, ""), vary: [] };
  const url = new URL(request.url);
  if (policy.trustForwardedHeaders) {
    const host = firstValue(request.headers.get("x-forwarded-host"));
    if (host !== undefined) {
      if (!isHostHeader(host)) throw new AppError("bad_request", "Invalid X-Forwarded-Host header");
      const proto = firstValue(request.headers.get("x-forwarded-proto"))?.toLowerCase();
      const scheme = proto === "http" || proto === "https" ? proto : url.protocol.slice(0, -1);
      return { origin: `${scheme}://${host.toLowerCase()}`, vary: ["X-Forwarded-Host", "X-Forwarded-Proto"] };
    }
  }
  // Next builds the request URL's scheme from X-Forwarded-Proto when a client sends one: untrusted, that
  // says nothing, and `next start` itself serves plain HTTP.
  const scheme = request.headers.has("x-forwarded-proto") ? "http:" : url.protocol;
  const host = request.headers.get("host")?.trim() || undefined;
  if (host === undefined) return { origin: `${scheme}//${url.host}`, vary: ["Host"] };
  if (!isHostHeader(host)) throw new AppError("bad_request", "Invalid Host header");
  return { origin: `${scheme}//${host.toLowerCase()}`, vary: ["Host"] };
}
