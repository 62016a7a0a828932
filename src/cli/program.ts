/**
 * The `egress-audit` command line: a thin adapter that parses flags, calls the scan use case and
 * maps the result to output and an exit code (0 no drift, 1 drift, 2 incomplete, 3 usage).
 */
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, CommanderError, Option } from "commander";
import { loadBaseline, type Baseline } from "../baseline/baseline.js";
import { checks } from "../checks/index.js";
import { readArmSettings, validateSubscriptionIds, type ArmSettings } from "../config/settings.js";
import { loadEstate } from "../emulator/estate.js";
import { startEmulator, type RunningEmulator } from "../emulator/server.js";
import { EndpointUnreachableError, UsageError } from "../errors.js";
import { exitCodeOf, type DriftReport } from "../report/report.js";
import { renderTable } from "../report/render/table.js";
import { runScan } from "../scan.js";
import type { ArmClientOptions } from "../arm/clients.js";

/** Exit codes of the CLI contract. */
export const EXIT = { ok: 0, drift: 1, incomplete: 2, usage: 3 } as const;

/** Where the CLI writes and what it reads: injectable for tests. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Whether stdout is a terminal (colour in tables). */
  isTTY?: boolean;
  /** Resolves when the long-running `emulator` command should stop (default: SIGINT/SIGTERM). */
  waitForStop?: (emulator: RunningEmulator) => Promise<void>;
  /** Extra ARM client options (tests shorten retries). */
  clientOptions?: ArmClientOptions;
}

/** Renderers available to `--format`. */
const renderers: Record<string, (report: DriftReport, io: CliIo, verbose: boolean) => string> = {
  table: (r, io, verbose) => renderTable(r, { color: !!io.isTTY && !io.env.NO_COLOR, verbose, width: process.stdout.columns ?? 120 }),
  json: (r) => JSON.stringify(r, null, 2) + "\n",
};
/** Formats of the contract that are not built yet (tracked in the issue on report formats). */
const plannedFormats = ["markdown", "sarif", "csv", "html"];

/** The repository root (where `estates/` lives), found from this file whether run from src or dist. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("package.json not found above " + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

interface ScanFlags {
  subscription?: string[];
  baseline?: string;
  format: string;
  output?: string;
  armEndpoint?: string;
  verbose?: boolean;
}

function formatOption(): Option {
  return new Option("--format <format>", `output format: ${Object.keys(renderers).join(", ")}`).default("table");
}

async function emit(report: DriftReport, flags: ScanFlags, io: CliIo): Promise<number> {
  const render = renderers[flags.format]!;
  const text = render(report, flags.output ? { ...io, isTTY: false } : io, !!flags.verbose);
  if (flags.output) {
    await writeFile(flags.output, text, "utf8");
    io.stderr(`report written to ${flags.output}\n`);
  } else {
    io.stdout(text);
  }
  return exitCodeOf(report);
}

/** Validates flags that need no I/O, so bad input fails before anything starts. */
function checkFormat(format: string): void {
  if (renderers[format]) return;
  if (plannedFormats.includes(format)) {
    throw new UsageError("FormatNotAvailable", `--format ${format} is not available yet; use one of: ${Object.keys(renderers).join(", ")}`);
  }
  throw new UsageError("InvalidFormat", `--format must be one of: ${Object.keys(renderers).join(", ")} (got ${JSON.stringify(format)})`);
}

async function baselineFrom(path: string | undefined): Promise<Baseline | undefined> {
  return path ? loadBaseline(path) : undefined;
}

/** Builds the commander program; `run` resolves with the exit code of the command. */
function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command("egress-audit")
    .description("Audits the network egress of HDInsight on AKS cluster pools and AKS clusters; reports drift.")
    .exitOverride()
    .showHelpAfterError("(run egress-audit --help for usage)")
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });

  program
    .command("demo")
    .description("start the embedded ARM emulator on the bundled demo estate, scan it over HTTPS with the real SDK clients, print the report")
    .addOption(formatOption())
    .option("--estate <file>", "estate to serve instead of estates/demo.json")
    .option("--baseline <file>", "baseline file (JSON)")
    .option("--output <file>", "write the report to a file instead of stdout")
    .option("--verbose", "list passing findings too")
    .action(async (flags: ScanFlags & { estate?: string }) => {
      checkFormat(flags.format);
      const estate = await loadEstate(flags.estate ?? join(packageRoot(), "estates", "demo.json"));
      const baseline = await baselineFrom(flags.baseline);
      const emulator = await startEmulator({ estate });
      try {
        const settings: ArmSettings = readArmSettings({}, { endpoint: emulator.url, staticToken: "egress-audit-demo" });
        io.stderr(`demo: emulator at ${emulator.url} serving ${estate.resources.length} resources\n`);
        const { report } = await runScan({
          settings,
          ...(baseline ? { baseline } : {}),
          clients: { ...io.clientOptions, caCertificates: [emulator.caCertPem] },
        });
        setExit(await emit(report, flags, io));
      } finally {
        await emulator.close();
      }
    });

  program
    .command("scan")
    .description("scan live subscriptions (or any ARM-compatible endpoint)")
    .option("--subscription <id>", "subscription to scan (repeatable); default: every subscription the credential can list", (v: string, prev: string[] = []) => [...prev, v])
    .option("--baseline <file>", "baseline file (JSON)")
    .addOption(formatOption())
    .option("--output <file>", "write the report to a file instead of stdout")
    .option("--arm-endpoint <url>", "ARM endpoint (default: AZURE_ARM_ENDPOINT or https://management.azure.com)")
    .option("--verbose", "list passing findings too")
    .action(async (flags: ScanFlags) => {
      checkFormat(flags.format);
      const subscriptionIds = validateSubscriptionIds(flags.subscription ?? []);
      const settings = readArmSettings(io.env, flags.armEndpoint ? { endpoint: flags.armEndpoint } : {});
      const baseline = await baselineFrom(flags.baseline);
      const { report } = await runScan({
        settings,
        subscriptionIds,
        ...(baseline ? { baseline } : {}),
        ...(io.clientOptions ? { clients: io.clientOptions } : {}),
      });
      setExit(await emit(report, flags, io));
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
    .option("--port <n>", "port (default: a free one)", (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError("InvalidPort", `--port must be an integer 0-65535 (got ${JSON.stringify(v)})`);
      return n;
    })
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

  return program;
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
    if (err instanceof UsageError) {
      io.stderr(`egress-audit: ${err.message}\n`);
      return EXIT.usage;
    }
    if (err instanceof EndpointUnreachableError) {
      io.stderr(`egress-audit: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
}
