/**
 * The state of one collection, shared by its phases: the clients and options, the snapshot under
 * construction, the errors so far, the concurrency limits, the reads already made (each shared
 * read happens once) and progress. Phases are functions over it (src/collect/phases/).
 */
import type { AbortSignalLike } from "@azure/abort-controller";
import pLimit from "p-limit";
import type { ArmClients } from "../arm/clients.js";
import type { ScanError } from "../model/scan.js";
import { collectingSnapshot, type Part, type ReadError, type Snapshot } from "../model/snapshot.js";
import { parseResourceId } from "../model/resourceId.js";
import { firstLine } from "../util/text.js";
import type { CollectOptions, CollectProgress, CollectResult, UnreadableTarget } from "./options.js";
import { failed, ok, perSubscriptionLimit, type KeyedLimit } from "./reads.js";

/** Turns anything a read threw into a {@link ReadError} (ARM code and status where known). */
export function toReadError(err: unknown, scope: string): ReadError {
  const e = err as { name?: string; code?: unknown; statusCode?: unknown; message?: unknown };
  const statusCode = typeof e?.statusCode === "number" ? e.statusCode : undefined;
  let code = typeof e?.code === "string" && e.code ? e.code : undefined;
  if (e?.name === "AbortError") code = "Aborted";
  code ??= statusCode === 429 ? "Throttled" : statusCode ? `Http${statusCode}` : "ReadFailed";
  const message = typeof e?.message === "string" && e.message ? firstLine(e.message) : String(err);
  return { code, message, ...(statusCode !== undefined ? { statusCode } : {}), scope };
}

/**
 * ARM's answer for a resource provider the subscription has not registered
 * (`MissingSubscriptionRegistration`, 409) or that serves nothing there (`NoRegisteredProviderFound`).
 */
export function isProviderNotRegistered(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === "string" && /^(MissingSubscriptionRegistration|NoRegisteredProviderFound)$/i.test(code);
}

/**
 * Every list goes through this: a provider the subscription has not registered holds no resources
 * there, so its list is empty, not an error (CHECKS.md: an AKS-only subscription without
 * `Microsoft.HDInsight` registered can come out complete).
 */
export async function listOrNone<T>(list: () => Promise<T[]>): Promise<T[]> {
  try {
    return await list();
  } catch (err) {
    if (isProviderNotRegistered(err)) return [];
    throw err;
  }
}

/** One collection's shared state; see the module comment. */
export class CollectionContext {
  /** The snapshot under construction; phases fill its maps. */
  readonly snapshot: Snapshot;
  /** Report errors, each scope and code once, in the order they happened. */
  readonly errors: ScanError[] = [];
  /** The abort signal as an SDK options bag, to spread into every call. */
  readonly signal: { abortSignal?: AbortSignalLike };
  /** The subscriptions scanned, set by the scope phase. */
  subscriptionIds: string[] = [];
  /**
   * Expected subscriptions (see `CollectOptions.expected`) this scan does not cover, by id, with
   * their `SubscriptionNotScanned` error: their expected targets are reported unreadable with it.
   */
  readonly notScanned = new Map<string, ScanError>();
  /** Expected targets neither found nor proven gone (phases/expected.ts). */
  readonly unreadableTargets: UnreadableTarget[] = [];
  /** Subscriptions whose lists are read at once. */
  readonly subscriptionLimit: ReturnType<typeof pLimit>;
  /** Pool cluster reads at once per subscription (its own limiter: they start with the pool lists). */
  readonly clusterLimit: KeyedLimit;
  /**
   * Targets read at once per subscription. One limiter per subscription: each subscription has
   * its own ARM read budget, so a queue shared by all would leave every slot waiting on one
   * subscription's budget at a time.
   */
  readonly targetLimit: KeyedLimit;
  readonly #errorKeys = new Set<string>();
  readonly #onceCache = new Map<string, Promise<unknown>>();
  /** Shared reads under way (policies, hubs, referenced firewalls, IP groups): see {@link track}. */
  readonly #shared = new Set<Promise<unknown>>();

  constructor(
    readonly clients: ArmClients,
    readonly options: CollectOptions,
    seed?: Snapshot,
  ) {
    // A refresh (refresh.ts) starts from a stored snapshot: what it holds is not read again.
    this.snapshot = seed ?? collectingSnapshot(new Date().toISOString());
    this.signal = options.abortSignal ? { abortSignal: options.abortSignal } : {};
    this.subscriptionLimit = pLimit(options.subscriptionConcurrency ?? 64);
    this.clusterLimit = perSubscriptionLimit(options.targetConcurrency ?? 16);
    this.targetLimit = perSubscriptionLimit(options.targetConcurrency ?? 16);
  }

  /** Adds a read error to the report (once per scope and code) and returns it. */
  record(e: ReadError): ReadError {
    const key = `${e.scope ?? ""}|${e.code}`.toLowerCase();
    if (!this.#errorKeys.has(key)) {
      this.#errorKeys.add(key);
      this.errors.push({ scope: e.scope ?? "", code: e.code, message: e.message });
    }
    return e;
  }

  /**
   * Runs a read; a failure becomes a failed Part (and a report error). `about` names what was
   * read and where (`firewall fw1 in subscription X, outside the scan's scope`) ahead of ARM's
   * message, for reads whose scope alone does not say why they mattered.
   */
  async read<T>(scope: string, fn: () => Promise<T>, about?: string): Promise<Part<T>> {
    const part = await this.tryRead(scope, fn, about);
    if (!part.ok && !this.stopped) this.record(part.error);
    return part;
  }

  /**
   * As {@link read}, but a failure is not added to the report: for a read that another may stand
   * in for (a dependency list read from a second cluster of the same configuration). The caller
   * records the error it keeps.
   */
  async tryRead<T>(scope: string, fn: () => Promise<T>, about?: string): Promise<Part<T>> {
    if (this.stopped) return failed(this.#stopped(scope));
    try {
      return ok(await fn());
    } catch (err) {
      // After a stop, every read fails the same way: one scan-level error says it (noteStop).
      if (this.stopped) return failed(this.#stopped(scope));
      const e = toReadError(err, scope);
      return failed(about ? { ...e, message: `${about}: ${e.message}` } : e);
    }
  }

  /** Whether the scan was stopped (its reads now fail with the stop's code, reported once). */
  get stopped(): boolean {
    return this.options.abortSignal?.aborted === true;
  }

  /** Whether a subscription is in the scan's scope (scanned); context and referenced ones are not. */
  inScope(subscriptionId: string): boolean {
    const sub = subscriptionId.toLowerCase();
    return this.subscriptionIds.some((s) => s.toLowerCase() === sub);
  }

  /** `<what> <name> in subscription <id>[, outside the scan's scope]`: how a read error names a resource. */
  describe(what: string, id: string): string {
    const p = parseResourceId(id);
    const name = p?.names.at(-1) ?? id.slice(0, 300);
    if (!p) return `${what} ${name}`;
    return `${what} ${name} in subscription ${p.subscriptionId}${this.inScope(p.subscriptionId) ? "" : ", outside the scan's scope"}`;
  }

  /**
   * Registers a shared read (one that many targets may depend on and that no single target
   * starts or awaits itself); {@link sharedSettled} waits for it.
   */
  track(p: Promise<unknown>): void {
    // Shared reads settle into Parts and never reject; a rejection is still swallowed here rather
    // than left unhandled, since nothing may be awaiting it yet.
    const tracked: Promise<void> = p.then(
      () => void this.#shared.delete(tracked),
      () => void this.#shared.delete(tracked),
    );
    this.#shared.add(tracked);
  }

  /** Resolves once every shared read has settled, including those started while waiting. */
  async sharedSettled(): Promise<void> {
    while (this.#shared.size) await Promise.allSettled([...this.#shared]);
  }

  /** A failed part for an id that cannot become a request path (recorded as `InvalidResourceId`). */
  invalidId<T>(message: string, scope: string): Part<T> {
    return failed(this.record({ code: "InvalidResourceId", message, scope }));
  }

  /** Reads shared by several targets (a subnet, a route table, an MC group) happen once. */
  once<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const k = key.toLowerCase();
    let p = this.#onceCache.get(k) as Promise<T> | undefined;
    if (!p) {
      p = fn();
      this.#onceCache.set(k, p);
    }
    return p;
  }

  /** Reports progress to the caller, if it asked. */
  progress(phase: CollectProgress["phase"], done: number, total: number): void {
    this.options.onProgress?.({ phase, done, total });
  }

  /** After a stop, one scan-level error says that what was not read is unknown. */
  noteStop(): void {
    const abortSignal = this.options.abortSignal;
    if (!abortSignal?.aborted) return;
    const reason = (abortSignal as { reason?: unknown }).reason;
    this.errors.push({
      scope: "scan",
      code: this.#stopCode(),
      message: `the scan was stopped before it finished${reason instanceof Error ? ` (${reason.message})` : ""}; what was not read is unknown`,
    });
  }

  /** What the collection produced. */
  result(): CollectResult {
    return { snapshot: this.snapshot, subscriptionIds: this.subscriptionIds, errors: this.errors, unreadableTargets: this.unreadableTargets };
  }

  /** The error of a read that was not made (or cut short) because the scan was stopped. */
  #stopped(scope: string): ReadError {
    return { code: this.#stopCode(), message: "the scan was stopped before this read completed", scope };
  }

  #stopCode(): string {
    const reason = (this.options.abortSignal as { reason?: unknown } | undefined)?.reason as { code?: unknown } | undefined;
    return typeof reason?.code === "string" ? reason.code : "ScanAborted";
  }
}
