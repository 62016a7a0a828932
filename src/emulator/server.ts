import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEmulatorTls } from "./ca.js";
import type { Estate } from "./estate.js";
import { EstateRouter, isWriteMethod, MAX_WRITE_BODY_BYTES, type RouterResponse } from "./router.js";
import { FaultEngine, type EmulatorFaults, type FaultCounts, type FaultDecision } from "./faults.js";
import { EventPoster, type DeliveryTotals, type EventDeliveryOptions } from "./events.js";

export type { EventDeliveryOptions, DeliveryTotals } from "./events.js";

export interface EmulatorOptions {
  estate: Estate;
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Items per list page; overrides `estate.options.pageSize`; default 100. */
  pageSize?: number;
  /** Faults and ARM limits; override `estate.options.faults`. */
  faults?: EmulatorFaults;
  /**
   * Where to post the event ARM's subscription system topic sends after each successful write
   * (PUT, PATCH, DELETE); none by default. See {@link RunningEmulator.setEventDelivery}.
   */
  events?: EventDeliveryOptions;
}

export interface RunningEmulator {
  /** Base URL without trailing slash, e.g. `https://127.0.0.1:41234`. */
  url: string;
  /** PEM of the CA that signed the server certificate. */
  caCertPem: string;
  /** The CA certificate written to a file in a fresh temp dir. */
  caCertPath: string;
  /**
   * The previous `NODE_EXTRA_CA_CERTS` file (if set and readable) plus the emulator CA: the file
   * to point `NODE_EXTRA_CA_CERTS` at for a child process.
   */
  bundlePath: string;
  /** Reads per route key (`get:Microsoft.Network/routeTables`, `error:404`, ...); writes are not in them. */
  requestCounts(): Record<string, number>;
  /** Reads answered (every request but PUT, PATCH and DELETE). */
  totalRequests(): number;
  /**
   * Writes per key: `put:` / `patch:` / `delete:` and the type in ARM's casing
   * (`put:Microsoft.Network/routeTables/routes`) for every write, and `error:<status>` for those refused.
   */
  writeCounts(): Record<string, number>;
  /** Clears the read and write counts and the read budgets (delivery totals stay). */
  resetCounts(): void;
  /** Sets where the events of the writes that follow go; undefined stops posting. Events already queued keep their target. */
  setEventDelivery(options: EventDeliveryOptions | undefined): void;
  /** Resolves once every queued event was delivered or given up, with the delivery totals since start. */
  flushEvents(): Promise<DeliveryTotals>;
  /** What the fault engine injected, by kind (`throttled`, `status:503`, `reset`, ...). */
  faultCounts(): FaultCounts;
  /** Closes the server and its open sockets, and removes the temp dir. */
  close(): Promise<void>;
}

/** Reads allowed per subscription and hour, as ARM's `x-ms-ratelimit-remaining-subscription-reads`. */
const READS_PER_HOUR = 12_000;
/** Writes allowed per subscription and hour, as ARM's `x-ms-ratelimit-remaining-subscription-writes`. */
const WRITES_PER_HOUR = 1_200;
const HOUR_MS = 3600_000;

const DEFAULT_PAGE_SIZE = 100;

/** Starts an HTTPS ARM emulator serving `options.estate`. */
export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  const host = options.host ?? "127.0.0.1";
  const pageSize = options.pageSize ?? options.estate.options?.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);

  const tls = await createEmulatorTls();
  const dir = await mkdtemp(join(tmpdir(), "egress-audit-emulator-"));
  const caCertPath = join(dir, "ca.pem");
  const bundlePath = join(dir, "ca-bundle.pem");
  let server: Server | undefined;
  try {
    await writeFile(caCertPath, tls.caCertPem, { mode: 0o644 });
    await writeFile(bundlePath, `${await existingExtraCaCerts()}${tls.caCertPem}`, { mode: 0o644 });

    let url = "";
    const router = new EstateRouter(options.estate, { pageSize, baseUrl: () => url });
    let faults = new FaultEngine(options.faults ?? options.estate.options?.faults);
    const events = new EventPoster(options.events);
    const counts = new Map<string, number>();
    const writes = new Map<string, number>();
    let total = 0;
    const buckets = new Map<string, { windowStart: number; used: number }>();
    const bump = (key: string): void => {
      counts.set(key, (counts.get(key) ?? 0) + 1);
    };
    const remainingReads = (subscription: string): number => {
      const now = Date.now();
      let bucket = buckets.get(subscription);
      if (!bucket || now - bucket.windowStart >= HOUR_MS) {
        bucket = { windowStart: now, used: 0 };
        buckets.set(subscription, bucket);
      }
      bucket.used += 1;
      return Math.max(0, READS_PER_HOUR - bucket.used);
    };
    const writeBuckets = new Map<string, { windowStart: number; used: number }>();
    const remainingWrites = (subscription: string): number => {
      const now = Date.now();
      let bucket = writeBuckets.get(subscription);
      if (!bucket || now - bucket.windowStart >= HOUR_MS) {
        bucket = { windowStart: now, used: 0 };
        writeBuckets.set(subscription, bucket);
      }
      bucket.used += 1;
      return Math.max(0, WRITES_PER_HOUR - bucket.used);
    };

    const handle = (req: IncomingMessage, res: ServerResponse, text: string | undefined, tooLarge: boolean): void => {
      const rawUrl = req.url ?? "/";
      const path = rawUrl.split("?")[0] ?? "/";
      const method = req.method ?? "GET";
      const requestId = randomUUID();
      let status: number;
      let body: unknown;
      let headers: Record<string, string> = {};
      let subscription = "";
      let result: RouterResponse | undefined;
      try {
        result = router.handle({
          method,
          url: rawUrl,
          authorization: req.headers.authorization,
          ...(text !== undefined ? { body: text } : {}),
          ...(tooLarge ? { bodyTooLarge: true } : {}),
        });
        status = result.status;
        body = result.body;
        headers = result.headers ?? {};
        subscription = result.subscriptionId ?? "";
      } catch (err) {
        status = 500;
        body = { error: { code: "InternalServerError", message: `emulator failure: ${(err as Error).message}` } };
      }
      const isWrite = isWriteMethod(method);
      if (isWrite) {
        const key = status >= 400 ? `error:${status}` : (result?.routeKey ?? "internal");
        writes.set(key, (writes.get(key) ?? 0) + 1);
        if (result?.change) {
          events.enqueue({
            ...result.change,
            method,
            url: `${url}${rawUrl}`,
            correlationId: requestId,
            clientRequestId: headerText(req.headers["x-ms-client-request-id"]) ?? randomUUID(),
            clientIpAddress: req.socket.remoteAddress ?? "",
            eventTime: new Date(),
          });
        }
      } else {
        bump(result?.routeKey ?? "internal");
        total += 1;
      }
      const budgetKey = subscriptionOfPath(path) ?? "tenant";
      // Writes get latency only: the read bucket, path rules and random errors are read faults.
      const decision: FaultDecision = isWrite ? { kind: "none", delayInMs: faults.writeDelayInMs() } : faults.decide(path, budgetKey);
      const respond = (): void => {
        if (res.destroyed) return;
        if (decision.kind === "reset") {
          bump("fault:reset");
          req.socket.destroy();
          return;
        }
        let payload: string;
        if (body === undefined && decision.kind !== "status") {
          payload = "";
        } else if (decision.kind === "status") {
          status = decision.status;
          headers = { ...decision.headers };
          payload = JSON.stringify({ error: { code: decision.code, message: decision.message } });
        } else {
          if (decision.kind === "dropProperties" && status < 400) body = dropProperties(body);
          if (decision.kind === "loopNextLink" && status < 400) body = loopNextLink(body, `${url}${rawUrl}`);
          payload = JSON.stringify(body);
          if (decision.kind === "truncate") payload = payload.slice(0, Math.floor(payload.length / 2));
          if (decision.kind === "malformed") payload = "<html><body>502 Bad Gateway</body></html>";
        }
        if (status >= 400 && !isWrite) bump(`error:${status}`);
        const budget = isWrite
          ? { "x-ms-ratelimit-remaining-subscription-writes": String(remainingWrites(subscription)) }
          : { "x-ms-ratelimit-remaining-subscription-reads": String(faults.remaining(budgetKey) ?? remainingReads(subscription)) };
        res.writeHead(status, {
          ...headers,
          "content-type": "application/json; charset=utf-8",
          "content-length": Buffer.byteLength(payload),
          "x-ms-request-id": requestId,
          "x-ms-correlation-request-id": requestId,
          ...budget,
        });
        res.end(payload);
      };
      if (decision.delayInMs > 0) {
        const timer = setTimeout(respond, decision.delayInMs);
        res.once("close", () => clearTimeout(timer));
      } else {
        respond();
      }
    };

    server = createServer({ key: tls.serverKeyPem, cert: tls.serverCertPem }, (req, res) => {
      // Reads ignore their bodies; a write's body is read whole (up to the cap) before it is answered.
      if (!isWriteMethod(req.method ?? "GET")) {
        req.resume();
        handle(req, res, undefined, false);
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      let tooLarge = false;
      req.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_WRITE_BODY_BYTES) tooLarge = true;
        else chunks.push(chunk);
      });
      req.once("end", () => handle(req, res, tooLarge ? undefined : Buffer.concat(chunks).toString("utf8"), tooLarge));
      req.once("error", () => res.destroy());
    });

    const listening = server;
    await new Promise<void>((resolve, reject) => {
      listening.once("error", reject);
      listening.listen(options.port ?? 0, host, () => {
        listening.off("error", reject);
        resolve();
      });
    });
    const { port } = listening.address() as AddressInfo;
    url = `https://${urlHost(host)}:${port}`;

    let closing: Promise<void> | undefined;
    return {
      url,
      caCertPem: tls.caCertPem,
      caCertPath,
      bundlePath,
      requestCounts: () => Object.fromEntries(counts),
      totalRequests: () => total,
      writeCounts: () => Object.fromEntries(writes),
      setEventDelivery: (delivery) => events.set(delivery),
      flushEvents: () => events.flush(),
      resetCounts: () => {
        counts.clear();
        writes.clear();
        total = 0;
        buckets.clear();
        writeBuckets.clear();
        faults = new FaultEngine(options.faults ?? options.estate.options?.faults);
      },
      faultCounts: () => ({ ...faults.counts }),
      close: () => {
        closing ??= (async () => {
          events.close();
          await new Promise<void>((resolve) => {
            listening.close(() => resolve());
            listening.closeAllConnections();
          });
          await rm(dir, { recursive: true, force: true });
        })();
        return closing;
      },
    };
  } catch (err) {
    server?.close();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** The subscription a path is in, lower-cased (its ARM read budget), or undefined for tenant paths. */
function subscriptionOfPath(path: string): string | undefined {
  const m = /\/subscriptions\/([0-9a-fA-F-]{36})(?:\/|$)/.exec(path);
  return m?.[1]?.toLowerCase();
}

/** A resource (or each resource of a list) without its `properties`: "resources with properties missing". */
function dropProperties(body: unknown): unknown {
  if (body === null || typeof body !== "object") return body;
  const o = body as Record<string, unknown>;
  if (Array.isArray(o.value)) return { ...o, value: o.value.map((v) => dropProperties(v)) };
  const { properties: _dropped, ...rest } = o;
  return rest;
}

/** A list's last page with a `nextLink` back to the list's first page (`requestUrl` without its `$skiptoken`). */
function loopNextLink(body: unknown, requestUrl: string): unknown {
  if (body === null || typeof body !== "object") return body;
  const o = body as Record<string, unknown>;
  if (!Array.isArray(o.value) || o.nextLink) return body;
  const at = requestUrl.indexOf("?");
  const base = at >= 0 ? requestUrl.slice(0, at) : requestUrl;
  const query = at >= 0 ? requestUrl.slice(at + 1) : "";
  const kept = query.split("&").filter((piece) => piece.length > 0 && !/^(\$|%24)skiptoken=/i.test(piece));
  return { ...o, nextLink: kept.length ? `${base}?${kept.join("&")}` : base };
}

/** The host part of the emulator's URL: wildcard binds are reached over loopback. */
function urlHost(host: string): string {
  if (host === "0.0.0.0" || host === "") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}

/** A header's single value, if it has one. */
function headerText(value: string | string[] | undefined): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Contents of the current `NODE_EXTRA_CA_CERTS` file, newline-terminated, or "". */
async function existingExtraCaCerts(): Promise<string> {
  const path = process.env.NODE_EXTRA_CA_CERTS;
  if (!path) return "";
  try {
    const text = await readFile(path, "utf8");
    return text === "" || text.endsWith("\n") ? text : `${text}\n`;
  } catch {
    return "";
  }
}
