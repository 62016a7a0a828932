/**
 * The composition root: the service's collaborators, built once from the app settings. The
 * scanner (the scan use case on configured ARM access and baseline), the history and fan-out
 * stores and the Teams sender. Function adapters take them from {@link getServices}; `npm run
 * serve` and the tests install their own (emulator CA, Azurite endpoints, a local Teams receiver)
 * with {@link useServices}.
 */
import { ReadBudget } from "../arm/budget.js";
import { ArmClients, type ArmClientOptions } from "../arm/clients.js";
import { DEFAULT_MAX_CONCURRENT_SCANS, readAppSettings, type AppSettings } from "../config/appSettings.js";
import { postToTeams, type TeamsPostOptions } from "../notify/teams.js";
import { HistoryStore } from "../store/history.js";
import { RunStore } from "../store/runs.js";
import { baselineProvider } from "./baseline.js";
import { runScan } from "./scan.js";
import { isScannableState } from "../collect/collector.js";
import { ScanSlots } from "./scanSlots.js";
import { CoalescingChangeFeed, DEFAULT_CHANGE_COALESCE_IN_MS } from "./changeFeed.js";
import type { AppServices, Scanner, SubscriptionLister } from "./appServices.js";

export * from "./appServices.js";

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
