import { Agent } from "node:https";
import { createSecureContext } from "node:tls";
import type { TokenCredential } from "@azure/core-auth";
import { createDefaultHttpClient, type HttpClient, type PipelinePolicy, type PipelineRequest } from "@azure/core-rest-pipeline";
import { NetworkManagementClient } from "@azure/arm-network";
import { ContainerServiceClient } from "@azure/arm-containerservice";
import { PrivateDnsManagementClient } from "@azure/arm-privatedns";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { SubscriptionClient } from "@azure/arm-resources-subscriptions";
import { getClient, type Client } from "@azure-rest/core-client";
import { DEFAULT_READ_DEADLINE_IN_MS, type ArmSettings } from "../config/settings.js";
import { armScopesOf, createCredential } from "./credential.js";
import { budgetKeyOf, ReadBudget, readBudgetPolicy } from "./budget.js";
import { attemptTimeoutPolicy, DEFAULT_ATTEMPT_TIMEOUT_IN_MS, endpointPolicy, readDeadlinePolicy, responseIntegrityPolicy } from "./policies.js";
import { pageGuardPolicy } from "./paging.js";

/** ARM traffic counters of one scan; they go into the report's `stats`. */
export interface ArmStats {
  /** HTTP requests sent, retries included (each page of a list is one). */
  armRequests: number;
  /** Responses with status 429. */
  throttled: number;
  /** Requests that were a retry of an earlier attempt. */
  retries: number;
}

/** Options for building ARM clients. */
export interface ArmClientOptions {
  /**
   * Extra CA certificates (PEM) to trust, for an emulator started in this process. When set,
   * they *replace* the default trust store for these clients, so use it only for emulators.
   */
  caCertificates?: string[];
  /** Maximum retries of a failed request (SDK default 3). */
  maxRetries?: number;
  /** First retry delay; the SDK backs off exponentially from it. */
  retryDelayInMs?: number;
  maxRetryDelayInMs?: number;
  /** Supply a credential instead of deriving one from the settings. */
  credential?: TokenCredential;
  /**
   * Client-side ARM read budget (default: ARM's 250 / 25 per second per subscription). Share one
   * between clients that spend the same principal's budget; `false` turns it off (naive mode).
   */
  readBudget?: ReadBudget | false;
  /**
   * Per-attempt timeout: an attempt without a complete answer by then fails as `ETIMEDOUT` and is
   * retried like a network error (default 60 s).
   */
  requestTimeoutInMs?: number;
  /**
   * Deadline of one read across all its attempts: past it the read fails as `Timeout`, however
   * many retries remain (default: the settings' `readDeadlineInMs`, else 90 s).
   */
  readDeadlineInMs?: number;
  /** Pages one list may have at most (default `MAX_PAGES_PER_LIST`, 10,000); past it the list fails as `TooManyPages`. */
  maxPagesPerList?: number;
  /** Connections to ARM at most (default {@link DEFAULT_MAX_SOCKETS}); further requests queue. */
  maxSockets?: number;
}

/**
 * Connections to the ARM endpoint at most. At ARM's latency (tens of ms) 128 connections carry
 * thousands of reads per second, more than twenty subscriptions' budgets refill.
 */
export const DEFAULT_MAX_SOCKETS = 128;

/**
 * Counts every attempt, 429 and retry. Runs per retry (after the retry policy), so each attempt
 * passes through it; the retry policy resends the same request object, which is how a retry is
 * told apart from a first attempt.
 */
function statsPolicy(stats: ArmStats, bySubscription: Map<string, number>, throttledBySubscription: Map<string, number>): PipelinePolicy {
  const seen = new WeakSet<PipelineRequest>();
  return {
    name: "egressAuditArmStats",
    async sendRequest(request, next) {
      stats.armRequests += 1;
      const key = budgetKeyOf(request.url);
      bySubscription.set(key, (bySubscription.get(key) ?? 0) + 1);
      if (seen.has(request)) stats.retries += 1;
      else seen.add(request);
      const response = await next(request);
      if (response.status === 429) {
        stats.throttled += 1;
        throttledBySubscription.set(key, (throttledBySubscription.get(key) ?? 0) + 1);
      }
      return response;
    },
  };
}

/**
 * One scan's ARM access: the credential, the shared pipeline options and per-subscription
 * clients (the modular SDKs bind a client to one subscription). Every client gets the configured
 * endpoint and the token scope of its cloud; the clients are built lazily and reused.
 */
export class ArmClients {
  readonly stats: ArmStats = { armRequests: 0, throttled: 0, retries: 0 };
  /** Requests per subscription (`tenant` for tenant-level paths): what each ARM budget paid. */
  readonly requestsBySubscription = new Map<string, number>();
  /** Of those, the ones ARM answered 429 (a throttled request spends no read token). */
  readonly throttledBySubscription = new Map<string, number>();
  readonly endpoint: string;
  /** The read budget requests wait on, when on. */
  readonly budget: ReadBudget | undefined;
  readonly #credential: TokenCredential;
  /** The token scopes of the endpoint's cloud, for every client. */
  readonly #scopes: string[];
  readonly #common: Record<string, unknown>;
  readonly #network = new Map<string, NetworkManagementClient>();
  readonly #aks = new Map<string, ContainerServiceClient>();
  readonly #dns = new Map<string, PrivateDnsManagementClient>();
  readonly #auth = new Map<string, AuthorizationManagementClient>();
  #subscriptions?: SubscriptionClient;
  #rest?: Client;

  constructor(settings: ArmSettings, options: ArmClientOptions = {}) {
    this.endpoint = settings.endpoint;
    this.#credential = options.credential ?? createCredential(settings);
    this.#scopes = armScopesOf(settings);
    this.budget = options.readBudget === false ? undefined : (options.readBudget ?? new ReadBudget());
    this.#common = {
      endpoint: settings.endpoint,
      retryOptions: {
        maxRetries: options.maxRetries ?? 3,
        ...(options.retryDelayInMs !== undefined ? { retryDelayInMs: options.retryDelayInMs } : {}),
        ...(options.maxRetryDelayInMs !== undefined ? { maxRetryDelayInMs: options.maxRetryDelayInMs } : {}),
      },
      // Once per read, around the retries: bound the pages of a list and the time of the whole
      // read. Per retry, in this order: wait for a read token, count the attempt, refuse any host
      // but the endpoint, refuse a damaged body, time the exchange out. A refused request is never
      // sent, so the bearer token (already on it) goes nowhere.
      additionalPolicies: [
        { policy: pageGuardPolicy(options.maxPagesPerList !== undefined ? { maxPagesPerList: options.maxPagesPerList } : {}), position: "perCall" },
        { policy: readDeadlinePolicy(options.readDeadlineInMs ?? settings.readDeadlineInMs ?? DEFAULT_READ_DEADLINE_IN_MS), position: "perCall" },
        ...(this.budget ? [{ policy: readBudgetPolicy(this.budget), position: "perRetry" }] : []),
        { policy: statsPolicy(this.stats, this.requestsBySubscription, this.throttledBySubscription), position: "perRetry" },
        { policy: endpointPolicy(settings.endpoint), position: "perRetry" },
        { policy: responseIntegrityPolicy(), position: "perRetry" },
        { policy: attemptTimeoutPolicy(options.requestTimeoutInMs ?? DEFAULT_ATTEMPT_TIMEOUT_IN_MS), position: "perRetry" },
      ],
      // One keep-alive agent for every client of the scan, with a bounded pool. Left to
      // themselves, each SDK client (four per subscription, plus the REST client) keeps its own
      // unbounded pool, and with extra CAs every new TLS connection parses them into a fresh
      // secure context: at thousands of targets the handshakes, not ARM, held the first seconds
      // of a scan back (10,000 targets: 800 connections for 12,462 requests; with 128 sockets,
      // 128 connections and the read budget in use 2 s earlier).
      httpClient: pooledHttpClient(
        new Agent({
          keepAlive: true,
          maxSockets: options.maxSockets ?? DEFAULT_MAX_SOCKETS,
          ...(options.caCertificates?.length ? { secureContext: createSecureContext({ ca: options.caCertificates }) } : {}),
        }),
      ),
      userAgentOptions: { userAgentPrefix: "egress-audit" },
    };
  }

  /** Options for the modular (TypeSpec-generated) clients: scopes go under `credentials`. */
  get #modular(): Record<string, unknown> {
    return { ...this.#common, credentials: { scopes: this.#scopes } };
  }

  subscriptions(): SubscriptionClient {
    this.#subscriptions ??= new SubscriptionClient(this.#credential, this.#modular);
    return this.#subscriptions;
  }

  network(subscriptionId: string): NetworkManagementClient {
    return getOrSet(this.#network, subscriptionId, () => new NetworkManagementClient(this.#credential, subscriptionId, this.#modular));
  }

  containerService(subscriptionId: string): ContainerServiceClient {
    return getOrSet(this.#aks, subscriptionId, () => new ContainerServiceClient(this.#credential, subscriptionId, this.#modular));
  }

  privateDns(subscriptionId: string): PrivateDnsManagementClient {
    return getOrSet(this.#dns, subscriptionId, () => new PrivateDnsManagementClient(this.#credential, subscriptionId, this.#modular));
  }

  /** The authorization SDK is of the older generation: `credentialScopes` instead of `credentials`. */
  authorization(subscriptionId: string): AuthorizationManagementClient {
    return getOrSet(
      this.#auth,
      subscriptionId,
      () => new AuthorizationManagementClient(this.#credential, subscriptionId, { ...this.#common, credentialScopes: this.#scopes }),
    );
  }

  /**
   * A REST client on the same pipeline (retry, bearer, stats) for APIs without an SDK:
   * HDInsight on AKS cluster pools, whose SDK Microsoft withdrew.
   */
  rest(): Client {
    this.#rest ??= getClient(this.endpoint, this.#credential, { ...this.#modular, credentials: { scopes: this.#scopes } });
    return this.#rest;
  }
}

/**
 * The SDK's HTTP client, sending through one agent. The agent is put on a request only while it
 * is sent, never through the pipeline's `agent` option: the SDK's verbose log serialises
 * requests, and an agent's sockets hold the raw `Authorization` header of their last request.
 */
function pooledHttpClient(agent: Agent): HttpClient {
  const inner = createDefaultHttpClient();
  return {
    async sendRequest(request) {
      request.agent = agent;
      try {
        return await inner.sendRequest(request);
      } finally {
        delete request.agent;
      }
    },
  };
}

function getOrSet<V>(map: Map<string, V>, key: string, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}
