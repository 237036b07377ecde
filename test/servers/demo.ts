// `npm run demo`: a local arXiv serving the project's fixtures (one real announcement day) and the app in
// development mode against it, so a newcomer without network or keys sees real papers.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startArxivFixtureServer } from "./arxiv-fixture-server";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const port = process.env.PORT ?? "3000";
const arxiv = await startArxivFixtureServer();
console.log(`Local arXiv (fixtures of Tue 30 Jun 2026) at ${arxiv.rssUrl}`);
console.log(`Open http://localhost:${port}/ — feeds at /rss, /rss/cs.AI, /atom/cs.AI+cs.CL, /json/cs.LG\n`);

const app = spawn(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "dev", "-p", port], {
  cwd: root,
  stdio: "inherit",
  env: {
    ...process.env,
    NEXT_TELEMETRY_DISABLED: "1",
    ARXIV_RSS_URL: arxiv.rssUrl,
    // A local stand-in may be asked faster than arXiv's 3 s.
    ARXIV_MIN_INTERVAL_MS: "200",
  },
});

const stop = () => app.kill("SIGTERM");
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
app.on("exit", async (code) => {
  await arxiv.close();
  process.exit(code ?? 0);
});
