/**
 * Fault injection and ARM limits for the emulator: latency (fixed plus jitter), ARM's
 * per-subscription read bucket (429 with Retry-After), a random 5xx rate, slow responses, and
 * targeted faults on paths (status codes, connection resets, truncated or malformed bodies,
 * properties dropped, stalled answers, lists that never end). Random choices come from a seeded generator so runs repeat.
 */

/** ARM's read bucket as the emulator enforces it. */
export interface ArmBucketOptions {
  /** Requests the bucket holds (ARM: 250). */
  capacity: number;
  /** Tokens added per second (ARM: 25). */
  refillPerSecond: number;
  /** Also send `retry-after-ms` (precise) beside `Retry-After` (whole seconds, as ARM does). */
  preciseRetryAfter?: boolean;
}

/** A fault aimed at requests whose path matches. */
export interface FaultRule {
  /** Regular expression (case-insensitive) tested against the request path (query excluded). */
  path: string;
  /**
   * `status`: answer `status` with an ARM error body; `reset`: destroy the socket without a
   * response; `truncate`: send half the body; `malformed`: send a body that is not JSON;
   * `slow`: delay by `delayInMs` (a stalled read when it exceeds the client's timeouts);
   * `dropProperties`: remove `properties` from returned resources; `loopNextLink`: a list's last
   * page links back to its first (the request without its `$skiptoken`), so a one-page list
   * links to itself and the list never ends.
   */
  kind: "status" | "reset" | "truncate" | "malformed" | "slow" | "dropProperties" | "loopNextLink";
  status?: number;
  /** ARM error code for `status` (default by status: 429 TooManyRequests, 5xx InternalServerError...). */
  code?: string;
  /** How many matching requests the rule hits before it stops (default: every one). */
  times?: number;
  delayInMs?: number;
  /** Retry-After (seconds) for `status` 429/503. */
  retryAfterSeconds?: number;
}

/** Faults and limits of an emulator (estate `options.faults`, or CLI flags). */
export interface EmulatorFaults {
  /** Delay added to every response. */
  latencyInMs?: number;
  /** Uniform random extra delay in [0, jitterInMs). */
  jitterInMs?: number;
  /** Enforce ARM's read bucket; `true` means ARM's numbers (250, 25/s). */
  armBucket?: boolean | ArmBucketOptions;
  /** Share (0..1) of requests answered 500/503 at random. */
  serverErrorRate?: number;
  /** Share (0..1) of requests delayed by `slowResponseInMs`. */
  slowRate?: number;
  slowResponseInMs?: number;
  rules?: FaultRule[];
  /** Seed of the random choices (default 1). */
  seed?: number;
}

/** JSON schema of {@link EmulatorFaults} (part of the estate schema). */
export const faultsSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    latencyInMs: { type: "integer", minimum: 0, maximum: 600000 },
    jitterInMs: { type: "integer", minimum: 0, maximum: 600000 },
    armBucket: {
      anyOf: [
        { type: "boolean" },
        {
          type: "object",
          additionalProperties: false,
          required: ["capacity", "refillPerSecond"],
          properties: {
            capacity: { type: "integer", minimum: 1 },
            refillPerSecond: { type: "number", exclusiveMinimum: 0 },
            preciseRetryAfter: { type: "boolean" },
          },
        },
      ],
    },
    serverErrorRate: { type: "number", minimum: 0, maximum: 1 },
    slowRate: { type: "number", minimum: 0, maximum: 1 },
    slowResponseInMs: { type: "integer", minimum: 0, maximum: 600000 },
    rules: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["path", "kind"],
        properties: {
          path: { type: "string", minLength: 1 },
          kind: { enum: ["status", "reset", "truncate", "malformed", "slow", "dropProperties", "loopNextLink"] },
          status: { type: "integer", minimum: 400, maximum: 599 },
          code: { type: "string" },
          times: { type: "integer", minimum: 1 },
          delayInMs: { type: "integer", minimum: 0, maximum: 600000 },
          retryAfterSeconds: { type: "integer", minimum: 0 },
        },
      },
    },
    seed: { type: "integer" },
  },
} as const;

/** What the fault engine decided for one request. */
export type FaultDecision =
  | { kind: "none"; delayInMs: number }
  | { kind: "status"; delayInMs: number; status: number; code: string; message: string; headers: Record<string, string> }
  | { kind: "reset" | "truncate" | "malformed" | "dropProperties" | "loopNextLink"; delayInMs: number };

/** Counts of what was injected, by kind (for tests and the benchmark). */
export type FaultCounts = Record<string, number>;

/** mulberry32: small, fast, good enough for fault sampling, and seedable. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const defaultCodes: Record<number, string> = {
  400: "BadRequest",
  403: "AuthorizationFailed",
  404: "ResourceNotFound",
  409: "Conflict",
  429: "TooManyRequests",
  500: "InternalServerError",
  502: "BadGateway",
  503: "ServiceUnavailable",
  504: "GatewayTimeout",
};

/** Decides, per request, which fault (if any) applies; keeps the ARM buckets. */
export class FaultEngine {
  readonly counts: FaultCounts = {};
  readonly #faults: EmulatorFaults;
  readonly #random: () => number;
  /** A generator of its own for writes' jitter, so writes never shift the reads' random choices. */
  readonly #writeRandom: () => number;
  readonly #rules: Array<FaultRule & { re: RegExp; hits: number }>;
  readonly #bucket?: ArmBucketOptions;
  readonly #buckets = new Map<string, { tokens: number; updatedAt: number }>();
  readonly #now: () => number;

  constructor(faults: EmulatorFaults = {}, now: () => number = () => performance.now()) {
    this.#faults = faults;
    this.#random = rng(faults.seed ?? 1);
    this.#writeRandom = rng((faults.seed ?? 1) ^ 0x5eed);
    this.#rules = (faults.rules ?? []).map((r) => ({ ...r, re: new RegExp(r.path, "i"), hits: 0 }));
    this.#bucket = faults.armBucket === true ? { capacity: 250, refillPerSecond: 25 } : faults.armBucket || undefined;
    this.#now = now;
  }

  #count(kind: string): void {
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
  }

  /**
   * Takes a read token for `subscription` (or `tenant`). Returns the tokens left, or the seconds
   * until one is available when the bucket is empty (the request is then throttled).
   */
  #takeToken(key: string): { ok: true; remaining: number } | { ok: false; retryAfterInMs: number } {
    const b = this.#bucket!;
    const now = this.#now();
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = { tokens: b.capacity, updatedAt: now };
      this.#buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(b.capacity, bucket.tokens + ((now - bucket.updatedAt) / 1000) * b.refillPerSecond);
    bucket.updatedAt = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true, remaining: Math.floor(bucket.tokens) };
    }
    return { ok: false, retryAfterInMs: Math.ceil(((1 - bucket.tokens) / b.refillPerSecond) * 1000) };
  }

  /** Remaining reads to report for `key` when the bucket is on (undefined otherwise). */
  remaining(key: string): number | undefined {
    const b = this.#buckets.get(key);
    return this.#bucket && b ? Math.floor(b.tokens) : undefined;
  }

  /**
   * The delay of a write: latency and jitter only. Path rules, random errors and the read bucket
   * are faults of reads (ARM budgets writes apart), so writes never spend read tokens.
   */
  writeDelayInMs(): number {
    const f = this.#faults;
    return (f.latencyInMs ?? 0) + (f.jitterInMs ? Math.floor(this.#writeRandom() * f.jitterInMs) : 0);
  }

  /** Decides the fate of one request to `path` in the budget of `key` (subscription or `tenant`). */
  decide(path: string, key: string): FaultDecision {
    const f = this.#faults;
    let delayInMs = (f.latencyInMs ?? 0) + (f.jitterInMs ? Math.floor(this.#random() * f.jitterInMs) : 0);
    if (f.slowRate && this.#random() < f.slowRate) {
      delayInMs += f.slowResponseInMs ?? 5000;
      this.#count("slow");
    }
    for (const rule of this.#rules) {
      if (!rule.re.test(path) || (rule.times !== undefined && rule.hits >= rule.times)) continue;
      rule.hits += 1;
      this.#count(rule.kind === "status" ? `status:${rule.status ?? 500}` : rule.kind);
      if (rule.kind === "slow") {
        delayInMs += rule.delayInMs ?? 5000;
        continue;
      }
      if (rule.kind === "status") {
        const status = rule.status ?? 500;
        const headers: Record<string, string> = {};
        if (rule.retryAfterSeconds !== undefined) headers["retry-after"] = String(rule.retryAfterSeconds);
        return {
          kind: "status",
          delayInMs,
          status,
          code: rule.code ?? defaultCodes[status] ?? "InjectedFault",
          message: `Injected fault: ${status} for ${path}`,
          headers,
        };
      }
      return { kind: rule.kind, delayInMs };
    }
    if (this.#bucket) {
      const token = this.#takeToken(key);
      if (!token.ok) {
        this.#count("throttled");
        const headers: Record<string, string> = { "retry-after": String(Math.max(1, Math.ceil(token.retryAfterInMs / 1000))) };
        if (this.#bucket.preciseRetryAfter) headers["retry-after-ms"] = String(token.retryAfterInMs);
        return {
          kind: "status",
          delayInMs,
          status: 429,
          code: "TooManyRequests",
          message: "The request is being throttled as the limit has been reached for operation type - Read.",
          headers,
        };
      }
    }
    if (f.serverErrorRate && this.#random() < f.serverErrorRate) {
      const status = this.#random() < 0.5 ? 500 : 503;
      this.#count(`status:${status}`);
      return { kind: "status", delayInMs, status, code: defaultCodes[status]!, message: "Injected server error.", headers: {} };
    }
    return { kind: "none", delayInMs };
  }
}
