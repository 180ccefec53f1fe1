// Validate Kubernetes documents against the Argo Rollouts CRD schemas as published on npm by
// @kubernetes-models/argo-rollouts (and core objects against kubernetes-models), twice:
//   1. the package's compiled JSON-schema validator (types, formats, required fields);
//   2. the package's typed interfaces, through the TypeScript compiler, because the JSON
//      schemas do not forbid unknown fields and a misspelt field (setWeigth) is the likeliest
//      mistake: the API server would prune it silently and the rollout would run without it.
// Usage: node tools/argo-rollouts/validate.mjs < documents.json (a JSON array of objects).
// Prints "N Kind/name: ok" or "N Kind/name: error: ..." per document; exit 0 when all are
// valid, 1 when one is not, 2 when the input is not a JSON array of objects.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const here = dirname(fileURLToPath(import.meta.url));
const ARGO = "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1";
const CORE = "kubernetes-models/v1";
const RBAC = "kubernetes-models/rbac.authorization.k8s.io/v1";

// apiVersion/kind -> [module path, class name]; the same module declares the interface I<Kind>.
const MODELS = {
  "argoproj.io/v1alpha1/Rollout": [ARGO, "Rollout"],
  "argoproj.io/v1alpha1/AnalysisTemplate": [ARGO, "AnalysisTemplate"],
  "argoproj.io/v1alpha1/ClusterAnalysisTemplate": [ARGO, "ClusterAnalysisTemplate"],
  "argoproj.io/v1alpha1/AnalysisRun": [ARGO, "AnalysisRun"],
  "v1/ConfigMap": [CORE, "ConfigMap"],
  "v1/Service": [CORE, "Service"],
  // The controller's own objects (components/rollout_controller*.py), against the Kubernetes
  // API's published schemas in kubernetes-models.
  "v1/Namespace": [CORE, "Namespace"],
  "v1/ServiceAccount": [CORE, "ServiceAccount"],
  "apps/v1/Deployment": ["kubernetes-models/apps/v1", "Deployment"],
  "policy/v1/PodDisruptionBudget": ["kubernetes-models/policy/v1", "PodDisruptionBudget"],
  "networking.k8s.io/v1/NetworkPolicy": ["kubernetes-models/networking.k8s.io/v1", "NetworkPolicy"],
  "rbac.authorization.k8s.io/v1/ClusterRole": [RBAC, "ClusterRole"],
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": [RBAC, "ClusterRoleBinding"],
  "rbac.authorization.k8s.io/v1/Role": [RBAC, "Role"],
  "rbac.authorization.k8s.io/v1/RoleBinding": [RBAC, "RoleBinding"],
};

function fail(message) {
  console.error(message);
  process.exit(2);
}

let documents;
try {
  documents = JSON.parse(readFileSync(0, "utf8"));
} catch (error) {
  fail(`stdin is not JSON: ${error.message}`);
}
if (!Array.isArray(documents) || documents.some((d) => !d || typeof d !== "object")) {
  fail("stdin must be a JSON array of Kubernetes objects");
}

const label = (doc, index) => `${index} ${doc.kind ?? "?"}/${doc.metadata?.name ?? "?"}`;
const problems = documents.map(() => []);

// 1. The published JSON-schema validators.
for (const [index, doc] of documents.entries()) {
  const model = MODELS[`${doc.apiVersion}/${doc.kind}`];
  if (!model) {
    problems[index].push(`no published schema for apiVersion ${doc.apiVersion} kind ${doc.kind}`);
    continue;
  }
  const [path, name] = model;
  const module = await import(`${path}/${name}`);
  try {
    new module[name](doc).validate();
  } catch (error) {
    problems[index].push(String(error.message ?? error).split("\n").join("; "));
  }
}

// 2. The published interfaces: excess-property checks on each document as an object literal.
const known = documents
  .map((doc, index) => [doc, index, MODELS[`${doc.apiVersion}/${doc.kind}`]])
  .filter(([, , model]) => model);
if (known.length > 0) {
  // Inside node_modules so that the compiler resolves the packages as Node.js would.
  const cache = join(here, "node_modules", ".cache");
  mkdirSync(cache, { recursive: true });
  const work = mkdtempSync(join(cache, "check-"));
  try {
    const lines = known.map(
      ([doc, index, [path, name]]) =>
        `import type { I${name} as T${index} } from "${path}/${name}";\n` +
        `export const d${index}: T${index} = ${JSON.stringify(doc)};`,
    );
    const file = join(work, "documents.ts");
    writeFileSync(file, lines.join("\n") + "\n");
    const program = ts.createProgram([file], {
      noEmit: true,
      strict: true,
      skipLibCheck: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      types: [],
    });
    for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
      const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, " ");
      if (!diagnostic.file || diagnostic.file.fileName !== file) {
        problems[known[0][1]].push(`type check could not run: ${text}`);
        continue;
      }
      const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
      const index = known[Math.floor(line / 2)][1];
      problems[index].push(text);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

for (const [index, doc] of documents.entries()) {
  const found = problems[index];
  console.log(`${label(doc, index)}: ${found.length === 0 ? "ok" : `error: ${found.join(" | ")}`}`);
}
process.exit(problems.every((found) => found.length === 0) ? 0 : 1);
