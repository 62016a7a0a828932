/**
 * The scan use case: collect -> evaluate -> report. Trigger adapters (CLI, HTTP, timer) call
 * this and only map its result; nothing here knows how it was triggered.
 */
import type { AbortSignalLike } from "@azure/abort-controller";
import { ArmClients, type ArmClientOptions } from "./arm/clients.js";
import { emptyBaseline, type Baseline } from "./baseline/baseline.js";
import { evaluate } from "./checks/engine.js";
import { collect, type CollectProgress } from "./collect/collector.js";
import type { Snapshot } from "./collect/snapshot.js";
import type { ArmSettings } from "./config/settings.js";
import { buildReport, type DriftReport } from "./report/report.js";

/** Options of {@link runScan}. */
export interface ScanOptions {
  settings: ArmSettings;
  /** Subscriptions to scan; empty: all the credential can list. */
  subscriptionIds?: string[];
  baseline?: Baseline;
  abortSignal?: AbortSignalLike;
  /** Client tuning (retries, emulator CA). */
  clients?: ArmClientOptions;
  onProgress?: (progress: CollectProgress) => void;
  /** Clock, for tests and suppression expiry. */
  now?: () => Date;
}

/** A finished scan: the report and the snapshot it judged. */
export interface ScanResult {
  report: DriftReport;
  snapshot: Snapshot;
}

/** Runs one scan. Throws only for configuration problems and an unreachable endpoint. */
export async function runScan(options: ScanOptions): Promise<ScanResult> {
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const clients = new ArmClients(options.settings, options.clients);
  const collected = await collect(clients, {
    ...(options.subscriptionIds ? { subscriptionIds: options.subscriptionIds } : {}),
    ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const evaluations = evaluate(collected.snapshot, options.baseline ?? emptyBaseline, { now: startedAt });
  const report = buildReport({
    startedAt,
    finishedAt: now(),
    subscriptions: collected.subscriptionIds,
    targets: evaluations.map((e) => ({
      id: e.target.id,
      kind: e.target.kind,
      name: e.target.name,
      subscriptionId: e.target.subscriptionId,
      status: e.status,
      findings: e.findings,
    })),
    stats: { ...clients.stats },
    errors: collected.errors,
  });
  return { report, snapshot: collected.snapshot };
}
