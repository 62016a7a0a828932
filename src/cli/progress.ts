/**
 * What the CLI shows on stderr while a scan runs: a progress bar on a terminal (subscriptions
 * listed, targets read, ARM requests and throttles so far), or with `--verbose` one line per ARM
 * request. Silent when stderr is not a terminal, under CI, with `TERM=dumb` and with `--quiet`.
 *
 * ARM requests are observed through Node's `http.client.*` diagnostics channels, filtered to
 * the ARM endpoint's host: the scan use case keeps its counters to itself until the report, and
 * watching the process's own HTTPS requests needs no hook in the collector. Only method, path
 * (without query) and status are read; never headers, so never a token.
 */
import dc from "node:diagnostics_channel";
import type { ClientRequest, IncomingMessage } from "node:http";
import cliProgress from "cli-progress";
import type { CollectProgress } from "../collect/collector.js";
import { safeLine } from "../util/sanitize.js";

/** One finished ARM request. */
export interface ArmRequestEvent {
  method: string;
  /** Path without the query string (no api-version, no skip tokens). */
  path: string;
  status: number;
  durationMs: number;
  /** `Retry-After` of a throttled (429) response. */
  retryAfter?: string;
}

/** ARM traffic seen so far. */
export interface ArmTraffic {
  requests: number;
  throttled: number;
}

/** A stream the progress bar can draw on (a TTY `process.stderr` in practice). */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/**
 * Counts this process's HTTP(S) requests to `endpoint`'s host until `stop()`. `onChange` runs
 * on every request sent and every response; `onResponse` once per finished request.
 */
export function watchArmTraffic(
  endpoint: string,
  listeners: { onChange?: (traffic: ArmTraffic) => void; onResponse?: (event: ArmRequestEvent) => void },
): { traffic: ArmTraffic; stop(): void } {
  const host = new URL(endpoint).host.toLowerCase();
  const traffic: ArmTraffic = { requests: 0, throttled: 0 };
  const started = new WeakMap<object, number>();
  const ours = (request: ClientRequest): boolean => String(request.getHeader("host") ?? "").toLowerCase() === host;

  const onStart = (message: unknown): void => {
    const { request } = message as { request: ClientRequest };
    if (!ours(request)) return;
    started.set(request, performance.now());
    traffic.requests += 1;
    listeners.onChange?.(traffic);
  };
  const onFinish = (message: unknown): void => {
    const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
    if (!ours(request)) return;
    const status = response.statusCode ?? 0;
    if (status === 429) traffic.throttled += 1;
    const retryAfter = response.headers["retry-after"];
    listeners.onResponse?.({
      method: request.method,
      path: request.path.split("?")[0] ?? request.path,
      status,
      durationMs: Math.round(performance.now() - (started.get(request) ?? performance.now())),
      ...(status === 429 && typeof retryAfter === "string" ? { retryAfter } : {}),
    });
    listeners.onChange?.(traffic);
  };
  dc.subscribe("http.client.request.start", onStart);
  dc.subscribe("http.client.response.finish", onFinish);
  return {
    traffic,
    stop() {
      dc.unsubscribe("http.client.request.start", onStart);
      dc.unsubscribe("http.client.response.finish", onFinish);
    },
  };
}

/** `CI` set to anything but empty, `0` or `false` (GitHub Actions, Azure Pipelines, GitLab set it). */
export function isCi(env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI;
  return ci !== undefined && ci !== "" && ci !== "0" && ci.toLowerCase() !== "false";
}

/**
 * Whether the table gets ANSI colour: never when `NO_COLOR` is set and not empty (no-color.org);
 * else always when `FORCE_COLOR` is set and not `0`/`false`; else never with `TERM=dumb`;
 * else when stdout is a terminal.
 */
export function useColor(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force.toLowerCase() !== "false";
  if (env.TERM === "dumb") return false;
  return isTTY;
}

/** Options of {@link startScanDisplay}. */
export interface ScanDisplayOptions {
  /** The ARM endpoint whose requests are counted. */
  endpoint: string;
  env: NodeJS.ProcessEnv;
  /** Where notes and request lines go. */
  stderr: (text: string) => void;
  /** The stream behind `stderr`, for the bar; no bar unless it is a TTY. */
  stream?: ProgressStream;
  quiet: boolean;
  verbose: boolean;
  /** Redraws per second at most (default 8). */
  fps?: number;
}

/** A running display: feed it collector progress; `stop()` it whatever happens. */
export interface ScanDisplay {
  /** Whether a progress bar is drawn. */
  readonly bar: boolean;
  onProgress(progress: CollectProgress): void;
  stop(): void;
}

/**
 * Starts the display the flags and environment ask for: a bar (TTY, not CI, not quiet, not
 * verbose), request lines (`--verbose`, any stream, not quiet) or nothing.
 */
export function startScanDisplay(options: ScanDisplayOptions): ScanDisplay {
  const { env, quiet, verbose, stream } = options;
  if (quiet) return { bar: false, onProgress: () => {}, stop: () => {} };

  if (verbose) {
    const watch = watchArmTraffic(options.endpoint, {
      // The path can hold ARM-sourced names (a `nextLink` is ARM's text, and Node lets bytes
      // 0x80-0xFF through, the 8-bit CSI U+009B among them): sanitised, one line per request.
      onResponse: (e) =>
        options.stderr(
          `ARM ${safeLine(e.method)} ${safeLine(e.path)} ${e.status} ${e.durationMs} ms${e.status === 429 ? ` (throttled${e.retryAfter ? `, Retry-After ${safeLine(e.retryAfter)}` : ""})` : ""}\n`,
        ),
    });
    return { bar: false, onProgress: () => {}, stop: () => watch.stop() };
  }

  if (!stream?.isTTY || isCi(env) || env.TERM === "dumb") return { bar: false, onProgress: () => {}, stop: () => {} };

  // The bar follows the current phase (subscriptions listed, then targets read); the text shows all.
  const state = { subs: "-", targets: "-", requests: 0, throttled: 0 };
  const bar = new cliProgress.SingleBar(
    {
      stream,
      // Fits 80 columns for a few hundred targets; a narrower terminal trims the end (linewrap).
      format: "[{bar}] subscriptions {subs} | targets {targets} | {requests} ARM requests, {throttled} throttled | {duration_formatted}",
      barsize: 10,
      fps: options.fps ?? 8,
      hideCursor: true,
      clearOnComplete: true,
      linewrap: true,
      // cli-progress's own handler would swallow Ctrl-C (the scan would go on); ours re-raises.
      gracefulExit: false,
      emptyOnZero: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const payload = () => ({ ...state });
  bar.start(1, 0, payload());
  const watch = watchArmTraffic(options.endpoint, {
    onChange: (t) => {
      state.requests = t.requests;
      state.throttled = t.throttled;
      bar.update(payload());
    },
  });
  let stopped = false;
  // On Ctrl-C or SIGTERM: restore the cursor, then let the signal do what it would have done.
  const onSignal = (signal: NodeJS.Signals): void => {
    stopAll();
    process.kill(process.pid, signal);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  function stopAll(): void {
    if (stopped) return;
    stopped = true;
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    watch.stop();
    bar.stop();
  }
  return {
    bar: true,
    onProgress(p) {
      if (p.phase === "lists") state.subs = `${p.done}/${p.total}`;
      if (p.phase === "targets") state.targets = `${p.done}/${p.total}`;
      if (p.phase === "subscriptions" && p.done === p.total) state.subs = "found";
      bar.setTotal(Math.max(1, p.total));
      bar.update(p.done, payload());
    },
    stop: stopAll,
  };
}
