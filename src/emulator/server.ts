import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEmulatorTls } from "./ca.js";
import type { Estate } from "./estate.js";
import { EstateRouter } from "./router.js";
import { FaultEngine, type EmulatorFaults, type FaultCounts } from "./faults.js";

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
  /** Requests per route key (`get:Microsoft.Network/routeTables`, `error:404`, ...). */
  requestCounts(): Record<string, number>;
  totalRequests(): number;
  resetCounts(): void;
  /** What the fault engine injected, by kind (`throttled`, `status:503`, `reset`, ...). */
  faultCounts(): FaultCounts;
  /** Closes the server and its open sockets, and removes the temp dir. */
  close(): Promise<void>;
}

/** Reads allowed per subscription and hour, as ARM's `x-ms-ratelimit-remaining-subscription-reads`. */
const READS_PER_HOUR = 12_000;
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
    const counts = new Map<string, number>();
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

    server = createServer({ key: tls.serverKeyPem, cert: tls.serverCertPem }, (req, res) => {
      req.resume();
      const rawUrl = req.url ?? "/";
      const path = rawUrl.split("?")[0] ?? "/";
      let status: number;
      let body: unknown;
      let headers: Record<string, string> = {};
      let subscription = "";
      try {
        const result = router.handle({ method: req.method ?? "GET", url: rawUrl, authorization: req.headers.authorization });
        status = result.status;
        body = result.body;
        headers = result.headers ?? {};
        subscription = result.subscriptionId ?? "";
        bump(result.routeKey);
      } catch (err) {
        status = 500;
        body = { error: { code: "InternalServerError", message: `emulator failure: ${(err as Error).message}` } };
        bump("internal");
      }
      total += 1;
      const budgetKey = subscriptionOfPath(path) ?? "tenant";
      const decision = faults.decide(path, budgetKey);
      const respond = (): void => {
        if (res.destroyed) return;
        if (decision.kind === "reset") {
          bump("fault:reset");
          req.socket.destroy();
          return;
        }
        let payload: string;
        if (decision.kind === "status") {
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
        if (status >= 400) bump(`error:${status}`);
        const requestId = randomUUID();
        res.writeHead(status, {
          ...headers,
          "content-type": "application/json; charset=utf-8",
          "content-length": Buffer.byteLength(payload),
          "x-ms-request-id": requestId,
          "x-ms-correlation-request-id": requestId,
          "x-ms-ratelimit-remaining-subscription-reads": String(faults.remaining(budgetKey) ?? remainingReads(subscription)),
        });
        res.end(payload);
      };
      if (decision.delayInMs > 0) {
        const timer = setTimeout(respond, decision.delayInMs);
        res.once("close", () => clearTimeout(timer));
      } else {
        respond();
      }
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
      resetCounts: () => {
        counts.clear();
        total = 0;
        buckets.clear();
        faults = new FaultEngine(options.faults ?? options.estate.options?.faults);
      },
      faultCounts: () => ({ ...faults.counts }),
      close: () => {
        closing ??= (async () => {
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
