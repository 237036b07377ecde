import type { NextConfig } from "next";
import { getConfig, getEnv } from "./lib/config";

// Fail at start-up (dev, build and start) with a message that names the bad field, not at the first request.
getConfig();
getEnv();

const nextConfig: NextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
