/**
 * Starts Azurite (the storage emulator, a dev dependency) in memory on free ports, for the test
 * setup and for `npm run serve` on a machine with no storage configured. It is a child process:
 * the ports are read from its stdout, its pid is kept, and {@link RunningAzurite.stop} ends it.
 * Should this process end without calling `stop` (an uncaught error, `process.exit`), its `exit`
 * hook still signals Azurite, which would otherwise outlive it holding its ports.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** The well-known development account of Azurite (documented by Microsoft; not a secret). */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/** A running Azurite. */
export interface RunningAzurite {
  pid: number;
  blobEndpoint: string;
  queueEndpoint: string;
  tableEndpoint: string;
  /** A full connection string with the actual endpoints (not `UseDevelopmentStorage=true`). */
  connectionString: string;
  /** Stops the process (SIGTERM, then SIGKILL) and removes its working directory. */
  stop(): Promise<void>;
}

/** Options of {@link startAzurite}. */
export interface StartAzuriteOptions {
  /** How long to wait for the three "listening" lines. Default 20 s. */
  startTimeoutInMs?: number;
  /**
   * Keep the data on disk in this folder instead of in memory (the caller owns it; it is not
   * removed): an Azurite restarted on it, on the same ports, has the same data (outage tests).
   */
  location?: string;
  /** Fixed ports (default: free ones). */
  ports?: { blob?: number; queue?: number; table?: number };
}

/** The connection string for an Azurite whose services listen at these base URLs. */
export function azuriteConnectionString(blob: string, queue: string, table: string): string {
  return [
    "DefaultEndpointsProtocol=http",
    `AccountName=${AZURITE_ACCOUNT}`,
    `AccountKey=${AZURITE_KEY}`,
    `BlobEndpoint=${blob}/${AZURITE_ACCOUNT}`,
    `QueueEndpoint=${queue}/${AZURITE_ACCOUNT}`,
    `TableEndpoint=${table}/${AZURITE_ACCOUNT}`,
  ].join(";");
}

function azuriteEntry(): string {
  const require = createRequire(import.meta.url);
  // azurite's package.json has no "exports": resolve it, then its CLI beside it.
  const pkg = require.resolve("azurite/package.json");
  const entry = join(dirname(pkg), "dist", "src", "azurite.js");
  if (!existsSync(entry)) throw new Error(`azurite entry point not found at ${entry}`);
  return entry;
}

/** Starts Azurite in memory on free ports and resolves once all three services listen. */
export async function startAzurite(options: StartAzuriteOptions = {}): Promise<RunningAzurite> {
  // Azurite may write debug or lock files into its working directory: give it a scratch one.
  const cwd = await mkdtemp(join(tmpdir(), "egress-audit-azurite-"));
  const child: ChildProcess = spawn(
    process.execPath,
    [
      azuriteEntry(),
      ...(options.location ? ["--location", options.location] : ["--inMemoryPersistence"]),
      "--disableTelemetry",
      // The SDKs here may be newer than this Azurite's list of API versions.
      "--skipApiVersionCheck",
      "--blobHost", "127.0.0.1", "--blobPort", String(options.ports?.blob ?? 0),
      "--queueHost", "127.0.0.1", "--queuePort", String(options.ports?.queue ?? 0),
      "--tableHost", "127.0.0.1", "--tablePort", String(options.ports?.table ?? 0),
    ],
    { cwd, stdio: ["ignore", "pipe", "pipe"] },
  );
  // Synchronous, as `exit` listeners must be: the signal is sent, Azurite ends on its own.
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  };
  process.once("exit", killOnExit);
  const stop = async (): Promise<void> => {
    process.off("exit", killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(killer);
    }
    await rm(cwd, { recursive: true, force: true });
  };
  try {
    const endpoints = await new Promise<Record<"Blob" | "Queue" | "Table", string>>((resolve, reject) => {
      let out = "";
      let err = "";
      const found: Partial<Record<"Blob" | "Queue" | "Table", string>> = {};
      const timer = setTimeout(
        () => reject(new Error(`Azurite did not start within ${options.startTimeoutInMs ?? 20_000} ms: ${out}${err}`)),
        options.startTimeoutInMs ?? 20_000,
      );
      child.stdout?.setEncoding("utf8");
      child.stderr?.setEncoding("utf8");
      child.stdout?.on("data", (chunk: string) => {
        out += chunk;
        for (const m of out.matchAll(/Azurite (Blob|Queue|Table) service is successfully listening at (http:\/\/\S+)/g)) {
          found[m[1] as "Blob" | "Queue" | "Table"] = m[2]!.replace(/\/+$/, "");
        }
        if (found.Blob && found.Queue && found.Table) {
          clearTimeout(timer);
          resolve({ Blob: found.Blob, Queue: found.Queue, Table: found.Table });
        }
      });
      child.stderr?.on("data", (chunk: string) => (err += chunk));
      child.once("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`Azurite exited with code ${code} before listening: ${err || out}`));
      });
    });
    // Keep draining its output so the pipe never fills, but stop interpreting it.
    child.stdout?.removeAllListeners("data");
    child.stdout?.resume();
    child.stderr?.resume();
    return {
      pid: child.pid!,
      blobEndpoint: `${endpoints.Blob}/${AZURITE_ACCOUNT}`,
      queueEndpoint: `${endpoints.Queue}/${AZURITE_ACCOUNT}`,
      tableEndpoint: `${endpoints.Table}/${AZURITE_ACCOUNT}`,
      connectionString: azuriteConnectionString(endpoints.Blob, endpoints.Queue, endpoints.Table),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
