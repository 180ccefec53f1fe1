// Decide AWS IAM requests with a real policy evaluator (@cloud-copilot/iam-simulate).
//
// stdin: one JSON object, or a list of them, each
//   { "principal": ARN, "action": "service:Action", "resource": ARN, "accountId": "123...",
//     "identityPolicies": [{"name": ..., "policy": {...}}], "resourcePolicy": {...}?,
//     "context": {"kms:ViaService": "...", ...} }
// stdout: the matching JSON decision (or list), each
//   { "decision": "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied" }
// A request the evaluator refuses as malformed (unknown action, resource type, invalid
// policy) or whose context it would ignore is an error, never a denial: it prints the evaluator's errors on stderr and
// exits 2, so a test cannot pass by asking a question IAM would not understand.
import { readFileSync } from 'node:fs'
import { runSimulation } from '@cloud-copilot/iam-simulate'

function simulation(request) {
  for (const key of ['principal', 'action', 'resource', 'accountId', 'identityPolicies']) {
    if (request[key] === undefined) {
      throw new Error(`request is missing "${key}": ${JSON.stringify(request).slice(0, 200)}`)
    }
  }
  return {
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: request.accountId },
      contextVariables: request.context ?? {}
    },
    identityPolicies: request.identityPolicies,
    resourcePolicy: request.resourcePolicy,
    serviceControlPolicies: [],
    resourceControlPolicies: []
  }
}

async function decide(request) {
  const response = await runSimulation(simulation(request), { simulationMode: 'Strict' })
  if (response.resultType === 'error') {
    const error = new Error(`the evaluator refused the request ${request.action} on ${request.resource}`)
    error.details = response.errors
    throw error
  }
  if (response.resultType !== 'single') {
    throw new Error(`expected one resource, got a wildcard result for ${request.resource}`)
  }
  const ignored = response.result.ignoredContextKeys ?? []
  if (ignored.length > 0) {
    // The evaluator drops context keys it does not know for the action (and, in this
    // version, variable keys written with ':' such as kms:EncryptionContext:NAME). A
    // condition on a dropped key would be judged as if the key were absent: refuse instead.
    throw new Error(
      `the evaluator ignores these context keys for ${request.action}: ${ignored.join(', ')}`
    )
  }
  return { decision: response.overallResult }
}

async function main() {
  const input = JSON.parse(readFileSync(0, 'utf8'))
  const requests = Array.isArray(input) ? input : [input]
  const decisions = []
  for (const request of requests) decisions.push(await decide(request))
  process.stdout.write(JSON.stringify(Array.isArray(input) ? decisions : decisions[0]) + '\n')
}

main().catch((error) => {
  process.stderr.write(`iam-simulate: ${error.message}\n`)
  if (error.details) process.stderr.write(JSON.stringify(error.details, null, 2) + '\n')
  process.exit(2)
})
