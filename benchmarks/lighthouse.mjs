// Runs Lighthouse on one page after another in a single Node process and a single Chrome, so that
// a page costs its audit only, not a Node start-up, Lighthouse's import and a Chrome launch (about
// 3 s of the 10-20 s a page takes on 2 cores). benchmarks/site.py drives it:
//
//   CHROME_PATH=/usr/bin/chromium node benchmarks/lighthouse.mjs TOOLS_DIR CHROME_FLAG...
//
// reads one JSON request a line on stdin, {"url": ..., "categories": [...]}, and answers each with
// one line on stdout: Lighthouse's report (the lhr object, as the CLI's --output=json writes it) or
// {"error": "..."}. Lighthouse's settings are its CLI defaults: the mobile preset and simulated
// throttling; like the CLI, it resets the page's storage and cache before each run.
// Lighthouse and chrome-launcher come from TOOLS_DIR/node_modules (.tools/, installed by
// scripts/setup.sh from package-lock.json), which Node would not search from this folder.
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";

const [tools, ...chromeFlags] = process.argv.slice(2);
const load = (path) => import(pathToFileURL(join(tools, "node_modules", path)).href);
const { default: lighthouse } = await load("lighthouse/core/index.js");
const chromeLauncher = await load("chrome-launcher/dist/index.js");

const chrome = await chromeLauncher.launch({ chromePath: process.env.CHROME_PATH, chromeFlags });
try {
  for await (const line of createInterface({ input: process.stdin })) {
    if (!line.trim()) continue;
    const { url, categories } = JSON.parse(line);
    let answer;
    try {
      const result = await lighthouse(url, {
        port: chrome.port,
        output: "json",
        logLevel: "error",
        onlyCategories: categories,
        // the full-page screenshot only decorates the HTML report; it costs seconds on long pages
        disableFullPageScreenshot: true,
      });
      answer = result ? result.lhr : { error: `Lighthouse returned nothing for ${url}` };
    } catch (error) {
      answer = { error: String((error && error.stack) || error) };
    }
    process.stdout.write(JSON.stringify(answer) + "\n");
  }
} finally {
  await chrome.kill();
}
