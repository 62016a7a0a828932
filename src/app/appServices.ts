/**
 * What the use cases get from the composition root (./services.ts): the shapes of the services
 * and the scans' time limits. Apart from services.ts, which builds them, so that a use case the
 * composition root constructs (the change feed) can take them without an import running back to it.
 */
import type { AbortSignalLike } from "@azure/abort-controller";
import type { ArmClients } from "../arm/clients.js";
import type { AppSettings } from "../config/appSettings.js";
import type { TeamsMessage } from "../notify/card.js";
import type { TeamsPostResult } from "../notify/teams.js";
import type { DriftReport, EvidenceMode } from "../report/report.js";
import type { HistoryStore } from "../store/history.js";
import type { RunStore } from "../store/runs.js";
import type { ReadBudget } from "../arm/budget.js";
import type { Snapshot } from "../model/snapshot.js";
import type { Baseline } from "../baseline/baseline.js";
import type { ScanSlots } from "./scanSlots.js";
import type { ResourceChange } from "../model/changeEvent.js";

/** What a scan needs from its caller. */
export interface ScanRequest {
  /** Empty: every subscription the identity can list. */
  subscriptionIds: readonly string[];
  /**
   * Read only for shared resources (hub firewalls and policies, IP groups, DNS zones), not
   * audited: a fan-out shard passes the rest of its run's scope, to judge like a whole-scope scan.
   */
  contextSubscriptionIds?: readonly string[];
  abortSignal?: AbortSignalLike;
  /** Stop reading after this long and report what was read (the rest `unknown`). */
  timeLimitInMs?: number;
  /**
   * The previous complete report of the scope (recorded scans, fan-out shards): its targets and
   * subscriptions are not taken as gone without proof (src/app/expectations.ts).
   */
  previous?: DriftReport;
  /** Which findings keep their evidence (default `failures`; `all`: pass findings too, `?evidence=all`). */
  evidence?: EvidenceMode;
  /** Given the snapshot the scan judged (recorded scans keep it for change events). */
  onSnapshot?: (snapshot: Snapshot) => void;
}

/**
 * Time limits of a scan, below what the platform allows the trigger: an HTTP request is cut at
 * 230 s by Azure's front end; a function at `functionTimeout` in host.json (10 minutes here).
 * A scan that reaches its limit still ends with a report, its unread parts `unknown`.
 */
export const HTTP_SCAN_TIME_LIMIT_IN_MS = 200_000;
export const TIMER_SCAN_TIME_LIMIT_IN_MS = 8 * 60_000;
/**
 * A fan-out shard's scan stops earlier than a whole timer scan: the invocation that settles the
 * last shard also assembles, diffs and commits the report within the same `functionTimeout`.
 */
export const SHARD_SCAN_TIME_LIMIT_IN_MS = 6 * 60_000;

/** Runs one scan and returns its report. */
export type Scanner = (request: ScanRequest) => Promise<DriftReport>;

/** Lists the subscriptions the identity can see that are scanned (every state but Disabled/Deleted; lower-cased ids). */
export type SubscriptionLister = (options: { abortSignal?: AbortSignalLike }) => Promise<string[]>;

/** Posts one Teams message. */
export type TeamsSender = (message: TeamsMessage, options: { abortSignal?: AbortSignalLike }) => Promise<TeamsPostResult>;

/** Everything the functions need. */
export interface AppServices {
  settings: AppSettings;
  scan: Scanner;
  /** Undefined when no storage is configured. */
  history?: HistoryStore;
  /** Undefined when `TEAMS_WEBHOOK_URL` is not set. */
  notify?: TeamsSender;
  /** Fan-out runs, shards and the shard queue (`SCAN_FANOUT`); undefined when no storage is configured. */
  runs?: RunStore;
  /** For a fan-out of an "every visible subscription" scope: the shards need the list up front. */
  listSubscriptions?: SubscriptionLister;
  /**
   * The ARM read budget of this process, one bucket per subscription, shared by every scan the
   * services run (ARM's budget is per subscription and principal, not per scan: two scans with
   * a budget each would together spend twice what ARM refills). Undefined when turned off.
   */
  readBudget?: ReadBudget;
  /** The scans callers run on this instance (`SCAN_MAX_CONCURRENT`, one per subscription set). */
  scanSlots: ScanSlots;
  /** ARM clients on the process's read budget (change events re-read through them). */
  armClients?: () => ArmClients;
  /** The baseline in force (`--baseline`, `BASELINE_JSON`, `BASELINE_URL`), or undefined. */
  loadBaseline?: (options: { abortSignal?: AbortSignalLike }) => Promise<Baseline | undefined>;
  /** Change events: coalesced, then the targets they touch re-audited (undefined when no storage is configured). */
  changes?: ChangeFeed;
}

/** Options of {@link ChangeFeed.submit}. */
export interface ChangeSubmitOptions {
  abortSignal?: AbortSignalLike;
}

/** What became of the batch a submission joined. */
export interface ChangeBatchOutcome {
  /**
   * `audited`: the affected targets were re-read, judged and stored; `ignored`: no target depends
   * on any change (no ARM read); `no-scan`: no stored scan covers these subscriptions yet (nothing
   * to diff against; no ARM read).
   */
  status: "audited" | "ignored" | "no-scan";
  /** Changes in the coalesced batch (after de-duplication by event id). */
  changes: number;
  /** Target ids re-audited. */
  targets: string[];
  /** ARM requests the batch made. */
  armRequests: number;
  newFindings: number;
  resolvedFindings: number;
  /** What happened with Teams: `sent`, `none` (nothing changed), `not-configured`, `failed`, ... */
  notification: string;
  /** The stored event scan, when one was stored. */
  scanId?: string;
}

/** Takes changes; see the file comment. */
export interface ChangeFeed {
  submit(changes: ResourceChange[], options?: ChangeSubmitOptions): Promise<ChangeBatchOutcome>;
  /**
   * Stops taking changes: a batch still gathering is not audited (its deliveries fail, and Event
   * Grid redelivers them), the batch being audited is awaited.
   */
  close?(): Promise<void>;
}
