import { existsSync } from "node:fs";
import path from "node:path";
import type { NextConfig } from "next";
import { getConfig, getEnv, ignoredFieldsWarning } from "./lib/config";

// Fail at start-up (dev, build and start) with a message that names the bad field, not at the first request.
const config = getConfig();
getEnv();
const ignored = ignoredFieldsWarning(config);
if (ignored) console.warn(`⚠ ${ignored}`);
const promptFile = config.aiSummary.prompt_file;
if (config.aiSummary.enabled && !existsSync(path.resolve(promptFile))) {
  throw new Error(`Invalid config.json:\n  - ai_summary.prompt_file: "${promptFile}" does not exist`);
}

const nextConfig: NextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  // The prompt is read at run time: ship it with every function.
  outputFileTracingIncludes: { "/**": [`./${path.normalize(promptFile)}`] },
};

export default nextConfig;
