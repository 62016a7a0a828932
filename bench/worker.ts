/**
 * One benchmark run in its own process (so peak RSS is the strategy's own): scans the emulator
 * at --endpoint with the optimised collector or the naive comparator and prints one JSON line.
 *   node --import tsx bench/worker.ts --strategy optimized|naive --endpoint URL --ca FILE --firewall-id ID --subscriptions a,b
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ArmClients } from "../src/arm/clients.js";
import { emptyBaseline } from "../src/baseline/baseline.js";
import { evaluate, type TargetEvaluation } from "../src/checks/lib/engine.js";
import type { Snapshot } from "../src/model/snapshot.js";
import { collectAndEvaluate } from "../src/app/scan.js";
import { readArmSettings } from "../src/config/settings.js";
import { collectNaive } from "./naive.js";

const { values } = parseArgs({
  options: {
    strategy: { type: "string" },
    endpoint: { type: "string" },
    ca: { type: "string" },
    "firewall-id": { type: "string" },
    subscriptions: { type: "string" },
  },
});
const strategy = values.strategy === "naive" ? "naive" : "optimized";
const ca = readFileSync(values.ca!, "utf8");
const settings = readArmSettings({}, { endpoint: values.endpoint!, staticToken: "bench" });
const subscriptionIds = values.subscriptions!.split(",");

const started = performance.now();
const clients = new ArmClients(settings, {
  caCertificates: [ca],
  // The naive script has no read budget; its retries are raised so it completes under throttling.
  ...(strategy === "naive" ? { readBudget: false as const, maxRetries: 60 } : {}),
});
// The optimised strategy is the scan's own pipeline: each target judged as soon as it is read.
// The naive script reads everything, then judges.
let collected: { snapshot: Snapshot; errors: unknown[] };
let evaluations: TargetEvaluation[];
let evaluateTailMs: number;
let evaluateTotalMs: number;
if (strategy === "naive") {
  collected = await collectNaive(clients, { subscriptionIds, firewallId: values["firewall-id"]! });
  const at = performance.now();
  evaluations = evaluate(collected.snapshot, emptyBaseline);
  evaluateTailMs = performance.now() - at;
  evaluateTotalMs = evaluateTailMs;
} else {
  const result = await collectAndEvaluate(clients, { subscriptionIds }, emptyBaseline);
  ({ evaluations } = result);
  collected = result;
  evaluateTailMs = result.evaluateTailInMs;
  evaluateTotalMs = result.evaluateTotalInMs;
}
const wallMs = performance.now() - started;
// The scan's peak, taken before the harness builds its own output (digest, failing lists).
const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
const heapAfterEvaluateMb = Math.round(process.memoryUsage().heapUsed / 2 ** 20);
const collectMs = wallMs - evaluateTailMs;

const findings = evaluations.flatMap((e) => e.findings);
const digest = createHash("sha256")
  .update(findings.map((f) => `${f.id}|${f.status}`).sort().join("\n"))
  .digest("hex");
process.stdout.write(
  JSON.stringify({
    strategy,
    wallMs: Math.round(wallMs),
    collectMs: Math.round(collectMs),
    evaluateTailMs: Math.round(evaluateTailMs),
    evaluateTotalMs: Math.round(evaluateTotalMs),
    armRequests: clients.stats.armRequests,
    throttled: clients.stats.throttled,
    retries: clients.stats.retries,
    requestsBySubscription: Object.fromEntries(clients.requestsBySubscription),
    throttledBySubscription: Object.fromEntries(clients.throttledBySubscription),
    budgetWaitedMs: clients.budget?.waitedInMs ?? 0,
    peakRssMb,
    heapAfterEvaluateMb,
    targets: evaluations.length,
    findings: { total: findings.length, fail: findings.filter((f) => f.status === "fail").length, unknown: findings.filter((f) => f.status === "unknown").length },
    failing: findings.filter((f) => f.status === "fail").map((f) => `${f.checkId}|${f.resourceId}`.toLowerCase()),
    unknown: findings.filter((f) => f.status === "unknown").map((f) => `${f.checkId}|${f.resourceId}`.toLowerCase()),
    errors: collected.errors.length,
    digest,
  }) + "\n",
);
