// Parse Mermaid diagrams with Mermaid's own parser (in a jsdom window, as a browser would),
// so a label that breaks the syntax fails a test instead of a pull request comment.
// Usage: node tools/mermaid/check.mjs FILE.mmd... Prints "FILE: ok (type)" or
// "FILE: error: ..." per file; exit 0 when all parse, 1 otherwise, 2 without files.
import { readFile } from "node:fs/promises";
import { JSDOM } from "jsdom";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node tools/mermaid/check.mjs DIAGRAM.mmd...");
  process.exit(2);
}
const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });

let failed = 0;
for (const file of files) {
  try {
    const result = await mermaid.parse(await readFile(file, "utf8"));
    console.log(`${file}: ok (${result.diagramType})`);
  } catch (error) {
    failed += 1;
    console.log(`${file}: error: ${String(error.message ?? error).split("\n").join(" ")}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
