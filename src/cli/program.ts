/**
 * The `egress-audit` command line: a thin adapter that parses flags, calls the scan use case and
 * maps the result to output and an exit code (0 no drift, 1 drift, 2 incomplete, 3 usage).
 */
import type { CliIo } from "./io.js";
import { accessSync, createWriteStream, constants as fsConstants, existsSync, statSync } from "node:fs";
import { rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { Command, CommanderError, Option } from "commander";
import { loadBaselineFile } from "../app/baseline.js";
import type { Baseline } from "../baseline/baseline.js";
import { checks } from "../checks/index.js";
import { parseReadDeadlineSeconds, readArmSettings, validateSubscriptionIds, type ArmSettings } from "../config/settings.js";
import { loadEstate } from "../emulator/estate.js";
import { startEmulator } from "../emulator/server.js";
import { hasErrorCode, isUsageError, UsageError } from "../errors.js";
import { evidenceModes, summaryLine, type DriftReport, type EvidenceMode } from "../report/report.js";
import { formats, isFormat, renderers, type Format } from "../report/render/index.js";
import { writeReportJson, type StreamedReport } from "../report/stream.js";
import { runScan, runSpooledScan, type ScanOptions } from "../app/scan.js";
import { startScanDisplay, useColor } from "./progress.js";
import { exitCodeFailingOn, failOnSeverities, sarifArtifactUri, sarifPlacement } from "./ciOptions.js";
import type { Severity } from "../checks/lib/types.js";
import { packageRoot, packageVersion } from "../util/packageRoot.js";
import { checkedClientOptions } from "./credential.js";
import { acceptingBaseline, INIT_MODES, OWNER_PLACEHOLDER, RULE_ACCEPTED_CHECKS, type InitMode } from "../app/baselineInit.js";
import { coalesceFlag, runDemoWatchCommand } from "./demoWatchCommand.js";

/** Exit codes of the CLI contract. */
export const EXIT = { ok: 0, drift: 1, incomplete: 2, usage: 3, internal: 70 } as const;

/** The exit code table, the one place it is written for people: the `--help` epilog (the README copies it). */
export const EXIT_CODES_HELP = `
Exit codes:
  0   complete, no drift, or only drift below --fail-on
      (baseline init: baseline written, every finding read)
  1   drift found (a failing finding, at or above --fail-on when given)
  2   no drift (or only below --fail-on) but incomplete: some reads failed, findings unknown
      (baseline init: baseline written, but unknown findings cannot be accepted)
  3   usage or configuration error, nothing scanned: bad flag or file, unreachable
      endpoint, not logged in (run az login), CLI not built (run npm run build)
  70  internal error (a bug): please report it with the message
`;

export type { CliIo } from "./io.js";


interface ScanFlags {
  subscription?: string[];
  baseline?: string;
  format?: string;
  output?: string;
  armEndpoint?: string;
  readDeadline?: string;
  verbose?: boolean;
  quiet?: boolean;
  failOn?: Severity;
  sarifArtifact?: string;
  evidence?: EvidenceMode;
}

function formatOption(): Option {
  return new Option(
    "--format <format>",
    `output format: ${formats.join(", ")} (default: from the --output file's extension, else table)`,
  );
}

/** Output flags shared by `demo` and `scan`. */
function addOutputOptions(command: Command): Command {
  return command
    .addOption(formatOption())
    .option("--output <file>", "write the report to a file instead of stdout")
    .addOption(new Option("--verbose", "list passing findings too; log each ARM request to stderr").conflicts("quiet"))
    .addOption(new Option("--quiet", "no progress and no notes on stderr, only errors; the report and exit code are unchanged"))
    .addOption(
      new Option(
        "--fail-on <severity>",
        "exit 1 only for drift at or above this severity; drift below it exits 0, or 2 when the scan is incomplete (default: any drift exits 1)",
      ).choices(failOnSeverities),
    )
    .option("--sarif-artifact <file>", "sarif: place results no baseline entry covers at this repository-relative file (e.g. the Bicep of the estate) instead of azure/<subscription>/<resource group>/<target>")
    .option(
      "--evidence <mode>",
      `which findings carry their evidence: failures (fail and unknown; the default) or all (passing findings too: a much larger report)`,
      evidenceFlag,
    );
}

/** The format a file extension implies (`.sarif`, `.sarif.json`, `.html`, `.md`, ...), if any. */
export function formatOfPath(path: string): Format | undefined {
  const name = path.toLowerCase();
  if (name.endsWith(".sarif") || name.endsWith(".sarif.json")) return "sarif";
  const ext = /\.([a-z]+)$/.exec(name)?.[1];
  const byExt: Record<string, Format> = { json: "json", txt: "table", md: "markdown", markdown: "markdown", csv: "csv", html: "html", htm: "html" };
  return ext ? byExt[ext] : undefined;
}

/**
 * Validates flags that need no I/O, so bad input fails before anything starts, and resolves the
 * format: `--format`, else what the `--output` file's extension implies, else `table`.
 */
function resolveFormat(flags: ScanFlags): Format {
  const format = formatOf(flags);
  if (flags.sarifArtifact !== undefined) sarifArtifactUri(flags.sarifArtifact, format);
  return format;
}

function formatOf(flags: ScanFlags): Format {
  if (flags.output) checkOutputPath(flags.output);
  if (flags.format === undefined) return (flags.output && formatOfPath(flags.output)) || "table";
  if (isFormat(flags.format)) return flags.format;
  throw new UsageError("InvalidFormat", `--format must be one of: ${formats.join(", ")} (got ${JSON.stringify(flags.format)})`);
}

/** The `--output` file must be creatable: its folder exists and is writable, it is not a folder. */
function checkOutputPath(path: string): void {
  const dir = dirname(resolve(path));
  try {
    if (!statSync(dir).isDirectory()) throw new Error("not a folder");
    accessSync(dir, fsConstants.W_OK);
    if (existsSync(path) && statSync(path).isDirectory()) throw new Error(`${path} is a folder`);
  } catch (err) {
    throw new UsageError("InvalidOutput", `--output ${path} cannot be written: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Writes the JSON report target by target (the targets may come from a spool): to the `--output`
 * file (under a temporary name, renamed when complete, so a failed write leaves no partial
 * report), else to stdout's stream (not ended), else through `io.stdout` in chunks.
 */
async function emitJson(report: StreamedReport, flags: ScanFlags, io: CliIo): Promise<void> {
  if (flags.output) {
    const partial = `${flags.output}.partial-${process.pid}`;
    try {
      await writeReportJson(report, createWriteStream(partial, { encoding: "utf8" }));
      await rename(partial, flags.output);
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
    if (!flags.quiet) io.stderr(`report written to ${flags.output} (json)\n`);
  } else if (io.stdoutStream) {
    await writeReportJson(report, io.stdoutStream, { end: false });
  } else {
    for await (const chunk of renderers.json.stream(report)) io.stdout(chunk);
  }
}

async function emit(report: DriftReport, format: Format, flags: ScanFlags, io: CliIo, baseline?: Baseline): Promise<number> {
  const exitCode = exitCodeFailingOn(report, flags.failOn);
  const text = renderers[format].render(report, {
    ...(format === "sarif" ? await sarifPlacement(flags, baseline) : {}),
    exitCode,
    includePasses: !!flags.verbose,
    // A file never gets ANSI colour, whatever the terminal.
    color: !flags.output && useColor(io.env, !!io.isTTY),
    width: io.columns ?? 120,
  });
  if (flags.output) {
    await writeFile(flags.output, text, "utf8");
    if (!flags.quiet) io.stderr(`report written to ${flags.output} (${format})\n`);
  } else {
    io.stdout(text);
  }
  return exitCode;
}

/**
 * Runs the scan with the progress display the flags and terminal ask for (stopped whatever
 * happens), then renders. The closing summary goes to stderr when a display ran and stdout does
 * not already end with it (the table does). JSON takes the spooled path: each judged target is
 * written to a temporary file at once and the report streams from it, so memory does not grow
 * with the findings; the other formats render the report from memory.
 */
async function scanAndEmit(
  scan: Omit<ScanOptions, "onProgress">,
  format: Format,
  flags: ScanFlags,
  io: CliIo,
): Promise<number> {
  const display = startScanDisplay({
    endpoint: scan.settings.endpoint,
    env: io.env,
    stderr: io.stderr,
    ...(io.stderrStream ? { stream: io.stderrStream } : {}),
    quiet: !!flags.quiet,
    verbose: !!flags.verbose,
  });
  const options: ScanOptions = { ...scan, ...(flags.evidence ? { evidence: flags.evidence } : {}), onProgress: (p) => display.onProgress(p) };
  const closingSummary = (report: Pick<DriftReport, "summary" | "stats">) => {
    if ((display.bar || flags.verbose) && !flags.quiet && (flags.output || format !== "table")) io.stderr(`${summaryLine(report)}\n`);
  };
  if (format === "json") {
    let spooled: Awaited<ReturnType<typeof runSpooledScan>>;
    try {
      spooled = await runSpooledScan({ ...options, ...(io.spoolDir ? { spool: { dir: io.spoolDir } } : {}) });
    } finally {
      display.stop();
    }
    try {
      const { report } = spooled;
      closingSummary(report);
      const exitCode = exitCodeFailingOn({ summary: report.summary, errors: report.errors, scope: report.scope }, flags.failOn, spooled.failingSeverities);
      await emitJson(report, flags, io);
      return exitCode;
    } finally {
      await spooled.close();
    }
  }
  let report: DriftReport;
  try {
    ({ report } = await runScan(options));
  } finally {
    display.stop();
  }
  closingSummary(report);
  return emit(report, format, flags, io, scan.baseline);
}

async function baselineFrom(path: string | undefined): Promise<Baseline | undefined> {
  return path ? loadBaselineFile(path) : undefined;
}

/** Builds the commander program; `run` resolves with the exit code of the command. */
function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command("egress-audit")
    .description("Audits the network egress of HDInsight on AKS cluster pools and AKS clusters; reports drift.")
    .exitOverride()
    .showHelpAfterError("(run egress-audit --help for usage)")
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .version(packageVersion(), "-V, --version", "print the version and exit")
    .addHelpText("after", EXIT_CODES_HELP);

  addOutputOptions(
    program
      .command("demo")
      .description("start the embedded ARM emulator on the bundled demo estate, scan it over HTTPS with the real SDK clients, print the report")
      .option("--estate <file>", "estate to serve instead of estates/demo.json")
      .option("--baseline <file>", "baseline file (JSON)")
      .option("--watch", "change events end to end instead of a report: Azurite, the local API with its Event Grid webhook, the emulator posting events and a local Teams receiver; a recorded scan, a change through the emulator, the alert (a transcript), then stop")
      .option("--coalesce-ms <n>", "with --watch: the change feed's coalescing window (CHANGE_COALESCE_IN_MS, 0-20000; default 5000)", coalesceFlag),
  ).action(async (flags: ScanFlags & { estate?: string; watch?: boolean; coalesceMs?: number }) => {
    if (flags.watch || flags.coalesceMs !== undefined) {
      setExit(await runDemoWatchCommand(flags, io));
      return;
    }
    const format = resolveFormat(flags);
    const estate = await loadEstate(flags.estate ?? join(packageRoot(), "estates", "demo.json"));
    const baseline = await baselineFrom(flags.baseline);
    const emulator = await startEmulator({ estate });
    try {
      const settings: ArmSettings = readArmSettings({}, { endpoint: emulator.url, staticToken: "egress-audit-demo" });
      if (!flags.quiet) io.stderr(`demo: emulator at ${emulator.url} serving ${estate.resources.length} resources\n`);
      const scan = {
        settings,
        ...(baseline ? { baseline } : {}),
        clients: { ...io.clientOptions, caCertificates: [emulator.caCertPem] },
      };
      setExit(await scanAndEmit(scan, format, flags, io));
    } finally {
      await emulator.close();
    }
  });

  addOutputOptions(
    program
      .command("scan")
      .description("scan live subscriptions (or any ARM-compatible endpoint)")
      .option("--subscription <id>", "subscription to scan (repeatable); default: every subscription the credential can list", (v: string, prev: string[] = []) => [...prev, v])
      .option("--baseline <file>", "baseline file (JSON)")
      .option("--arm-endpoint <url>", "ARM endpoint (default: AZURE_ARM_ENDPOINT or https://management.azure.com); a host outside the Azure clouds needs AZURE_ARM_TOKEN")
      .option("--read-deadline <seconds>", "give up on one ARM read after this long, retries included; it turns unknown (default: ARM_READ_DEADLINE_SECONDS or 90)"),
  ).action(async (flags: ScanFlags) => {
    const format = resolveFormat(flags);
    const subscriptionIds = validateSubscriptionIds(flags.subscription ?? []);
    const settings = armSettingsOf(flags, io);
    const baseline = await baselineFrom(flags.baseline);
    const scan = {
      settings,
      subscriptionIds,
      ...(baseline ? { baseline } : {}),
      clients: await checkedClientOptions(settings, io.clientOptions),
    };
    setExit(await scanAndEmit(scan, format, flags, io));
  });

  program
    .command("checks")
    .description("list the check catalog")
    .addOption(new Option("--format <format>", "table or json").choices(["table", "json"]).default("table"))
    .action((flags: { format: string }) => {
      if (flags.format === "json") {
        io.stdout(JSON.stringify(checks.map((c) => c.meta), null, 2) + "\n");
      } else {
        const w = Math.max(...checks.map((c) => c.meta.id.length));
        for (const c of checks) io.stdout(`${c.meta.id.padEnd(w)}  ${c.meta.defaultSeverity.padEnd(8)}  ${c.meta.title}\n`);
      }
      setExit(EXIT.ok);
    });

  program
    .command("emulator")
    .description("serve an estate file over HTTPS as an ARM emulator; prints its URL and CA certificate path")
    .requiredOption("--estate <file>", "estate file (JSON)")
    .option("--port <n>", "port (default: a free one)", portFlag)
    .action(async (flags: { estate: string; port?: number }) => {
      const estate = await loadEstate(resolve(flags.estate));
      const emulator = await startEmulator({ estate, ...(flags.port !== undefined ? { port: flags.port } : {}) });
      io.stdout(
        [
          `ARM emulator listening on ${emulator.url}`,
          `CA certificate: ${emulator.caCertPath}`,
          `CA bundle (existing trust + emulator CA): ${emulator.bundlePath}`,
          "",
          "Scan it from another shell:",
          `  NODE_EXTRA_CA_CERTS=${emulator.bundlePath} AZURE_ARM_TOKEN=emulator egress-audit scan --arm-endpoint ${emulator.url}`,
          "",
        ].join("\n"),
      );
      try {
        await (io.waitForStop ?? waitForSignal)(emulator);
      } finally {
        await emulator.close();
      }
      setExit(EXIT.ok);
    });

  program
    .command("baseline")
    .description("write baselines")
    .command("init")
    .description("scan a scope and write a baseline that accepts today's state: one suppression per failing check and resource, owner and expiry to fill in")
    .option("--subscription <id>", "subscription to scan (repeatable); default: every subscription the credential can list", (v: string, prev: string[] = []) => [...prev, v])
    .option("--arm-endpoint <url>", "ARM endpoint (default: AZURE_ARM_ENDPOINT or https://management.azure.com); a host outside the Azure clouds needs AZURE_ARM_TOKEN")
    .option("--read-deadline <seconds>", "give up on one ARM read after this long, retries included (default: ARM_READ_DEADLINE_SECONDS or 90)")
    .option("--output <file>", "write the baseline to a file instead of stdout")
    .option("--owner <owner>", `owner of every suppression (default: "${OWNER_PLACEHOLDER}")`)
    .option("--expires <date>", "expiry of every suppression, YYYY-MM-DD (default: 90 days after the scan)", expiresFlag)
    .option(
      "--mode <mode>",
      `suppress: a suppression per failure; accept: the baseline rule value that makes it pass where the check has one (${RULE_ACCEPTED_CHECKS.join(", ")}), a suppression for every other check (default: suppress)`,
      modeFlag,
    )
    .option("--quiet", "no progress and no notes on stderr, only errors")
    .action(async (flags: ScanFlags & { owner?: string; expires?: string; mode?: InitMode }) => {
      if (flags.output) checkOutputPath(flags.output);
      const subscriptionIds = validateSubscriptionIds(flags.subscription ?? []);
      const settings = armSettingsOf(flags, io);
      const clients = await checkedClientOptions(settings, io.clientOptions);
      const display = startScanDisplay({ endpoint: settings.endpoint, env: io.env, stderr: io.stderr, ...(io.stderrStream ? { stream: io.stderrStream } : {}), quiet: !!flags.quiet, verbose: false });
      let report: DriftReport;
      try {
        ({ report } = await runScan({ settings, subscriptionIds, clients, onProgress: (p) => display.onProgress(p) }));
      } finally {
        display.stop();
      }
      const accepted = acceptingBaseline(report, {
        ...(flags.owner ? { owner: flags.owner } : {}),
        ...(flags.expires ? { expires: flags.expires } : {}),
        ...(flags.mode ? { mode: flags.mode } : {}),
      });
      const text = JSON.stringify(accepted.baseline, null, 2) + "\n";
      if (flags.output) await writeFile(flags.output, text, "utf8");
      else io.stdout(text);
      const incomplete = accepted.unknownFindings > 0 || accepted.errors > 0 || report.scope.subscriptions.length === 0;
      if (!flags.quiet) {
        const count = accepted.baseline.suppressions?.length ?? 0;
        const rules = accepted.ruleValues > 0 ? `${accepted.ruleValues} rule value${accepted.ruleValues === 1 ? "" : "s"} and ` : "";
        io.stderr(`baseline: ${rules}${count} suppression${count === 1 ? "" : "s"} accepting ${accepted.acceptedFindings} failing finding${accepted.acceptedFindings === 1 ? "" : "s"} of ${report.summary.targets} targets${flags.output ? `, written to ${flags.output}` : ""}; fill in each owner and reason\n`);
        if (incomplete) {
          io.stderr(`baseline: incomplete scan (${accepted.unknownFindings} unknown findings, ${accepted.errors} errors): reads that failed cannot be accepted; scans stay incomplete (exit 2) until they succeed\n`);
        }
      }
      setExit(incomplete ? EXIT.incomplete : EXIT.ok);
    });

  program
    .command("serve")
    .description("run the function app's HTTP API and dashboard locally (Azurite and the demo emulator when nothing is configured) until Ctrl-C")
    .option("--port <n>", "port (default: PORT or 7071; 0 picks a free one)", portFlag)
    .option("--host <address>", "address to listen on (default: 127.0.0.1)")
    .action(async (flags: { port?: number; host?: string }) => {
      // Loaded here, not at the top: the other commands need none of the service's modules.
      const { runServe } = await import("../serve/main.js");
      await runServe({ ...(flags.port !== undefined ? { port: flags.port } : {}), ...(flags.host !== undefined ? { host: flags.host } : {}) });
      setExit(EXIT.ok);
    });

  return program;
}

/** The ARM settings of `scan` and `baseline init`: environment, then `--arm-endpoint` and `--read-deadline`. */
function armSettingsOf(flags: ScanFlags, io: CliIo): ArmSettings {
  return readArmSettings(io.env, {
    ...(flags.armEndpoint ? { endpoint: flags.armEndpoint } : {}),
    ...(flags.readDeadline !== undefined ? { readDeadlineInMs: parseReadDeadlineSeconds(flags.readDeadline, "--read-deadline", "InvalidFlag") } : {}),
  });
}

/** `--expires`: a real calendar date `YYYY-MM-DD` (what a suppression's `expires` takes), else `InvalidFlag`. */
function expiresFlag(v: string): string {
  const time = /^\d{4}-\d{2}-\d{2}$/.test(v) ? Date.parse(`${v}T00:00:00Z`) : NaN;
  // Date.parse rolls 2025-02-30 over to March: only a date that reads back the same is one.
  const valid = !Number.isNaN(time) && new Date(time).toISOString().startsWith(v);
  if (!valid) throw new UsageError("InvalidFlag", `--expires must be a date YYYY-MM-DD (got ${JSON.stringify(v)})`);
  return v;
}

/** `--evidence`: one of {@link evidenceModes}, else `InvalidFlag` (exit 3, nothing scanned). */
function evidenceFlag(v: string): EvidenceMode {
  const mode = evidenceModes.find((m) => m === v);
  if (mode === undefined) throw new UsageError("InvalidFlag", `--evidence must be one of: ${evidenceModes.join(", ")} (got ${JSON.stringify(v)})`);
  return mode;
}

/** `--mode` of `baseline init`: one of {@link INIT_MODES}, else `InvalidFlag`. */
function modeFlag(v: string): InitMode {
  const mode = INIT_MODES.find((m) => m === v);
  if (mode === undefined) throw new UsageError("InvalidFlag", `--mode must be one of: ${INIT_MODES.join(", ")} (got ${JSON.stringify(v)})`);
  return mode;
}

/** `--port`: a whole number 0-65535, else `InvalidPort`. */
function portFlag(v: string): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError("InvalidPort", `--port must be an integer 0-65535 (got ${JSON.stringify(v)})`);
  return n;
}

function waitForSignal(): Promise<void> {
  return new Promise((resolveStop) => {
    const stop = () => resolveStop();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

/** Runs the CLI with the given arguments (without `node` and script); resolves with the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; every parse error is a usage error.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (isUsageError(err)) {
      io.stderr(`egress-audit: ${err.message}\n`);
      return EXIT.usage;
    }
    if (hasErrorCode(err, "EndpointUnreachable")) {
      io.stderr(`egress-audit: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
}
