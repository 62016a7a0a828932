/**
 * Baseline loading: the one use case behind every way a baseline arrives, the CLI's `--baseline`
 * file, `BASELINE_JSON` and `BASELINE_URL`. All of them go through the one parser
 * (src/baseline/baseline.ts) with the check registry's ids, so the service refuses what the CLI
 * refuses (an unknown check id included). It lives here, not in src/baseline/, because it needs the
 * registry, and the checks sit above the baseline.
 */
import type { AbortSignalLike } from "@azure/abort-controller";
import { parseBaseline, type Baseline } from "../baseline/baseline.js";
import { checks } from "../checks/index.js";
import type { BaselineSource } from "../config/appSettings.js";
import { readJsonFile } from "../config/jsonFile.js";
import { isUsageError, UsageError } from "../errors.js";
import { readAtMost } from "../util/streams.js";

/** The check ids a baseline may name: the registry's. */
export function knownCheckIds(): string[] {
  return checks.map((c) => c.meta.id);
}

/**
 * Validates parsed JSON as a baseline (schema, then check ids against the registry); throws
 * {@link UsageError} (`InvalidBaseline`) naming `source` and the field at fault.
 */
export function baselineFromJson(value: unknown, source = "baseline"): Baseline {
  return parseBaseline(value, { knownCheckIds: knownCheckIds(), source });
}

/** Reads and validates a baseline file (`--baseline`): `BaselineNotReadable` or `InvalidBaseline` naming the file. */
export async function loadBaselineFile(path: string): Promise<Baseline> {
  return baselineFromJson(await readJsonFile(path, "Baseline"), path);
}

/** The largest baseline `BASELINE_URL` may return (1 MiB), whatever its `Content-Length` says. */
export const MAX_BASELINE_BYTES = 1024 * 1024;

/** Options of {@link fetchBaseline}. */
export interface FetchBaselineOptions {
  abortSignal?: AbortSignalLike;
  /** Default 15 s. */
  timeoutInMs?: number;
}

/**
 * Fetches and validates the baseline at `BASELINE_URL`; messages never contain the URL (it may hold
 * a SAS). The body is read as a stream and the read stops (the connection is cancelled) as soon as
 * it passes {@link MAX_BASELINE_BYTES}: a declared `Content-Length` over the limit is refused before
 * any of the body is read, and a body without one (chunked) or with a false one is cut off there.
 */
export async function fetchBaseline(url: string, options: FetchBaselineOptions = {}): Promise<Baseline> {
  const timeout = AbortSignal.timeout(options.timeoutInMs ?? 15_000);
  const signal = options.abortSignal ? AbortSignal.any([timeout, options.abortSignal as AbortSignal]) : timeout;
  let text: string;
  try {
    const response = await fetch(url, { signal, redirect: "error" });
    if (!response.ok) {
      await discard(response.body);
      throw new UsageError("BaselineNotReadable", `BASELINE_URL answered HTTP ${response.status}`);
    }
    const length = Number(response.headers.get("content-length") ?? "0");
    if (length > MAX_BASELINE_BYTES) {
      await discard(response.body);
      throw tooLarge();
    }
    text = await readLimited(response.body);
  } catch (err) {
    if (isUsageError(err)) throw err;
    throw new UsageError("BaselineNotReadable", `BASELINE_URL could not be read (${(err as Error).name})`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError("InvalidBaseline", "BASELINE_URL did not return JSON");
  }
  return baselineFromJson(parsed, "BASELINE_URL");
}

/** Cancels a body that will not be read, so its connection closes now; a failure to cancel changes nothing. */
async function discard(body: ReadableStream<Uint8Array> | null): Promise<void> {
  await body?.cancel().catch(() => undefined);
}

function tooLarge(): UsageError {
  return new UsageError("BaselineNotReadable", `BASELINE_URL is larger than ${MAX_BASELINE_BYTES} bytes`);
}

/**
 * The body as UTF-8 text (invalid bytes replaced, as `Response.text()` does), read chunk by chunk:
 * once more than {@link MAX_BASELINE_BYTES} have arrived the stream is cancelled, which closes the
 * connection, and `BaselineNotReadable` is thrown.
 */
async function readLimited(body: ReadableStream<Uint8Array> | null): Promise<string> {
  return new TextDecoder().decode(await readAtMost(body, MAX_BASELINE_BYTES, tooLarge));
}

/** The baseline a scan judges against; undefined when none is configured. */
export type BaselineProvider = (options: { abortSignal?: AbortSignalLike }) => Promise<Baseline | undefined>;

/**
 * The service's baseline from its settings. `BASELINE_JSON` is validated now, once: a bad one is
 * a configuration error before any handler runs. `BASELINE_URL` is fetched and validated at the
 * start of each scan, so a changed document applies from the next scan on.
 */
export function baselineProvider(source: BaselineSource): BaselineProvider {
  switch (source.kind) {
    case "none":
      return () => Promise.resolve(undefined);
    case "inline": {
      const baseline = baselineFromJson(source.json, "BASELINE_JSON");
      return () => Promise.resolve(baseline);
    }
    case "url":
      return ({ abortSignal }) => fetchBaseline(source.url, abortSignal ? { abortSignal } : {});
  }
}
