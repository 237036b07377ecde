import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import "./globals.css";
import "./math.css";

export const metadata: Metadata = {
  title: "arxiv-rss-bot",
  description: "Today's arXiv papers, ranked by your keywords, with AI summaries; as a page and as RSS, Atom and JSON Feed.",
  icons: { icon: [{ url: "/favicon.svg", type: "image/svg+xml" }] },
};

export const viewport: Viewport = {
  width: "device-width",
  initialScale: 1,
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#fbfaf7" },
    { media: "(prefers-color-scheme: dark)", color: "#15161a" },
  ],
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#main">
          Skip to the papers
        </a>
        <header className="masthead">
          <a className="brand" href="/">
            <svg aria-hidden="true" width="22" height="22" viewBox="0 0 32 32">
              <rect width="32" height="32" rx="7" fill="currentColor" />
              <circle cx="9.5" cy="22.5" r="2.6" fill="var(--bg)" />
              <path d="M7 14.5a10.5 10.5 0 0 1 10.5 10.5M7 8a17 17 0 0 1 17 17" fill="none" stroke="var(--bg)" strokeWidth="3" strokeLinecap="round" />
            </svg>
            arxiv-rss-bot
          </a>
          <nav aria-label="Site">
            <a href="/opml">OPML</a>
            <a href="/api/health">Status</a>
          </nav>
        </header>
        <main id="main">{children}</main>
        <footer className="site-footer">
          <p>
            Papers and abstracts from <a href="https://arxiv.org">arXiv</a>, fetched once per announcement. Thank you to arXiv for use of
            its open access interoperability. AI summaries are machine-written: check the paper.
          </p>
        </footer>
      </body>
    </html>
  );
}
