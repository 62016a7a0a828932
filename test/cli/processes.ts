/** Running `egress-audit` as a real process in the CLI tests: spawn, wait for a banner, collect the end. */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

/** The repository root. */
export const root = join(import.meta.dirname, "..", "..");

/** `egress-audit <args>` from the TypeScript sources (tsx, as the npm scripts run it), env added to this process's. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv, options: { replaceEnv?: boolean } = {}): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", join(root, "src", "cli", "main.ts"), ...args], {
    cwd: root,
    env: options.replaceEnv ? env : { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Resolves with stdout so far once it matches `pattern`; rejects if the process exits first. */
export function readUntil(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = "";
    let err = "";
    child.stdout!.on("data", (d: Buffer) => {
      buf += d.toString();
      if (pattern.test(buf)) resolve(buf);
    });
    child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    child.on("exit", (code) => reject(new Error(`exited ${code} before printing ${pattern}: ${err}`)));
  });
}

/** A finished process: exit code, stdout, stderr. */
export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Waits for the process to end. */
export function finish(child: ChildProcess): Promise<Finished> {
  return new Promise((resolve) => {
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** `egress-audit emulator --estate FILE` started, with its URL and CA bundle. */
export async function startEmulatorProcess(estate: string): Promise<{ url: string; bundle: string; child: ChildProcess }> {
  const child = spawnCli(["emulator", "--estate", estate], {});
  const banner = await readUntil(child, /CA bundle[^:]*: (\S+)/);
  return { url: /listening on (https:\/\/\S+)/.exec(banner)![1]!, bundle: /CA bundle[^:]*: (\S+)/.exec(banner)![1]!, child };
}
