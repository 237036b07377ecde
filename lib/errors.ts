// One error type for everything a request can fail with; lib/http.ts maps `code` to a status.

export type ErrorCode =
  | "bad_request" // 400: a query parameter or path the user can fix
  | "not_found" // 404: unknown category or route
  | "upstream_unavailable" // 503: arXiv failed and nothing good is cached
  | "busy" // 503: too much work queued in this process; retry shortly
  | "config" // 500: config.json or environment is invalid (the operator's to fix)
  | "internal"; // 500: a bug; details go to the log only

// Next bundles lib/ once per layer (route handlers, pages), and the process's one set of dependencies
// (lib/live.ts) is shared by all of them: an AppError thrown by one copy must be recognised by another,
// which `instanceof` cannot do. A registered symbol can.
const BRAND = Symbol.for("arxiv-rss-bot.AppError");

export class AppError extends Error {
  readonly [BRAND] = true;
  readonly code: ErrorCode;
  /** Seconds a client should wait before retrying (503). */
  readonly retryAfterSeconds?: number;

  constructor(code: ErrorCode, message: string, options: { retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError || (typeof err === "object" && err !== null && (err as { [BRAND]?: unknown })[BRAND] === true);
}
