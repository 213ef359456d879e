import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** Debian's Chromium (installed by `.ci/run` where missing). */
export function chromiumPath(): string {
  const found = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
  if (!found) throw new Error("chromium is not installed (apt-get install chromium)");
  return found;
}

/**
 * Opens a local page in headless Chromium, lets its scripts run (virtual time), and returns
 * the DOM as the page left it: a page reports what happened by writing into its own DOM.
 */
export function renderedDom(htmlPath: string, budgetMs = 5000): string {
  const profile = mkdtempSync(join(tmpdir(), "agora-chromium-"));
  try {
    const flags = [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      `--user-data-dir=${profile}`,
    ];
    return execFileSync(
      chromiumPath(),
      [...flags, `--virtual-time-budget=${budgetMs}`, "--dump-dom", pathToFileURL(htmlPath).href],
      { encoding: "utf8", timeout: 60_000, stdio: ["ignore", "pipe", "ignore"], maxBuffer: 64 << 20 },
    );
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
