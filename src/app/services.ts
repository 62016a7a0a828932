/**
 * The composition root: the service's collaborators, built once from the app settings. The
 * scanner (the scan use case on configured ARM access and baseline), the history and fan-out
 * stores and the Teams sender. Function adapters take them from {@link getServices}; `npm run
 * serve` and the tests install their own (emulator CA, Azurite endpoints, a local Teams receiver)
 * with {@link useServices}.
 */
import type { AbortSignalLike } from "@azure/abort-controller";
import { ReadBudget } from "../arm/budget.js";
import { ArmClients, type ArmClientOptions } from "../arm/clients.js";
import { DEFAULT_MAX_CONCURRENT_SCANS, readAppSettings, type AppSettings } from "../config/appSettings.js";
import type { TeamsMessage } from "../notify/card.js";
import { postToTeams, type TeamsPostOptions, type TeamsPostResult } from "../notify/teams.js";
import type { DriftReport } from "../report/report.js";
import { HistoryStore } from "../store/history.js";
import { RunStore } from "../store/runs.js";
import { baselineProvider } from "./baseline.js";
import { runScan } from "./scan.js";
import { isScannableState } from "../collect/collector.js";
import { ScanSlots } from "./scanSlots.js";
import type { EvidenceMode } from "../report/report.js";
import { CoalescingChangeFeed, DEFAULT_CHANGE_COALESCE_IN_MS, type ChangeFeed } from "./changeFeed.js";
import type { Snapshot } from "../model/snapshot.js";
import type { Baseline } from "../baseline/baseline.js";

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

/** Options of {@link createServices}. */
export interface CreateServicesOptions {
  /** ARM client tuning: the emulator's CA in serve and tests, shorter retries in tests. */
  clients?: ArmClientOptions;
  /** Teams retry tuning (tests use small delays). */
  teams?: TeamsPostOptions;
  /** Clock for the scan (tests). */
  now?: () => Date;
  /** Suffix of the history's container and table names (tests sharing one Azurite). */
  historyNamespace?: string;
}

/**
 * Builds the services for these settings. Throws `UsageError` (`InvalidBaseline`) when
 * `BASELINE_JSON` is not a valid baseline.
 */
export function createServices(settings: AppSettings, options: CreateServicesOptions = {}): AppServices {
  // BASELINE_JSON is validated here, so a bad one fails the settings as a whole (ConfigurationError).
  const baselineOf = baselineProvider(settings.baseline);
  // One budget for the process: every scan's clients (and the subscription listing) wait on it.
  const readBudget = options.clients?.readBudget === false ? undefined : (options.clients?.readBudget ?? new ReadBudget());
  const armOptions: ArmClientOptions = { ...options.clients, readBudget: readBudget ?? false };
  const scan: Scanner = async ({ subscriptionIds, contextSubscriptionIds, abortSignal, timeLimitInMs, previous, evidence, onSnapshot }) => {
    const baseline = await baselineOf(abortSignal ? { abortSignal } : {});
    const { report, snapshot } = await runScan({
      settings: settings.arm,
      subscriptionIds: [...subscriptionIds],
      ...(contextSubscriptionIds?.length ? { contextSubscriptionIds: [...contextSubscriptionIds] } : {}),
      ...(baseline ? { baseline } : {}),
      ...(abortSignal ? { abortSignal } : {}),
      ...(timeLimitInMs !== undefined ? { timeLimitInMs } : {}),
      ...(previous ? { previous } : {}),
      ...(evidence ? { evidence } : {}),
      clients: armOptions,
      ...(options.now ? { now: options.now } : {}),
    });
    onSnapshot?.(snapshot);
    return report;
  };
  const listSubscriptions: SubscriptionLister = async ({ abortSignal }) => {
    const clients = new ArmClients(settings.arm, armOptions);
    const out: string[] = [];
    for await (const s of clients.subscriptions().subscriptions.list(abortSignal ? { abortSignal } : {})) {
      if (s.subscriptionId && isScannableState(s.state)) out.push(s.subscriptionId.toLowerCase());
    }
    return out;
  };
  const url = settings.teamsWebhookUrl;
  const ns = options.historyNamespace ? { namespace: options.historyNamespace } : {};
  const services: AppServices = {
    settings,
    scan,
    listSubscriptions,
    armClients: () => new ArmClients(settings.arm, armOptions),
    loadBaseline: (o) => baselineOf(o),
    ...(readBudget ? { readBudget } : {}),
    scanSlots: new ScanSlots(settings.maxConcurrentScans ?? DEFAULT_MAX_CONCURRENT_SCANS),
    ...(settings.storage
      ? {
          history: HistoryStore.fromSettings(settings.storage, ns),
          runs: RunStore.fromSettings(settings.storage, { ...ns, queueName: settings.fanOut.queueName }),
        }
      : {}),
    ...(url
      ? {
          notify: (message, { abortSignal }) => postToTeams(url, message, { ...options.teams, ...(abortSignal ? { abortSignal } : {}) }),
        }
      : {}),
  };
  if (services.history) services.changes = new CoalescingChangeFeed(services, { windowInMs: settings.changeCoalesceInMs ?? DEFAULT_CHANGE_COALESCE_IN_MS });
  return services;
}

let installed: AppServices | undefined;
let fromEnv: AppServices | undefined;

/**
 * The services of this process: those installed by {@link useServices}, else built once from
 * `process.env`. Throws `UsageError` when the settings are invalid.
 */
export function getServices(): AppServices {
  if (installed) return installed;
  fromEnv ??= createServices(readAppSettings(process.env));
  return fromEnv;
}

/** Installs the services every handler of this process uses (serve, tests); undefined reverts to env. */
export function useServices(services: AppServices | undefined): void {
  installed = services;
}
