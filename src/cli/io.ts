/** What the CLI reads and writes through (src/cli/program.ts and the commands apart from it). */
import type { ArmClientOptions } from "../arm/clients.js";
import type { RunningEmulator } from "../emulator/server.js";
import type { ProgressStream } from "./progress.js";

/** Where the CLI writes and what it reads: injectable for tests. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Whether stdout is a terminal (colour in tables). */
  isTTY?: boolean;
  /** Terminal width of stdout, for the table (default 120). */
  columns?: number;
  /** The stream behind `stderr`: the progress bar draws on it when it is a TTY. */
  stderrStream?: ProgressStream;
  /** Resolves when the long-running `emulator` command should stop (default: SIGINT/SIGTERM). */
  waitForStop?: (emulator: RunningEmulator) => Promise<void>;
  /** Extra ARM client options (tests shorten retries). */
  clientOptions?: ArmClientOptions;
  /**
   * The stream behind `stdout`, for the JSON report: written with backpressure and never ended.
   * Without it the JSON report goes through `stdout` in chunks of about 64 KB.
   */
  stdoutStream?: NodeJS.WritableStream;
  /** Folder of the JSON report's temporary spool (default: the OS's temporary folder; tests). */
  spoolDir?: string;
}
