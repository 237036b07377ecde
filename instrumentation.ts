// Next calls register() once when the server starts: the place to guard the process's HTTP servers
// (lib/http-guard.ts) before any request reaches Next.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { guardHttpServers } = await import("./lib/http-guard");
  guardHttpServers();
}
