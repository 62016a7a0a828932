/**
 * `npm run serve` as a process (node --import tsx src/serve/main.ts), with no storage and no ARM
 * endpoint configured, so it starts its own Azurite (a child process) and the ARM emulator. What
 * is checked is what only a whole process shows: a malformed `Host` does not take it down, and
 * however it ends (a signal, or an error nothing caught) Azurite ends with it instead of being
 * left running on its ports. Azurite's own `exit` hook is checked on its own too.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { connect } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_SCAN_SCHEDULE } from "../../src/config/appSettings.js";
import { REPO } from "../setup/harness.js";

interface Serve {
  child: ChildProcess;
  url: string;
  functionKey: string;
  masterKey: string;
  azuritePid: number;
  exited: Promise<number | null>;
  output: () => string;
}

const started: ChildProcess[] = [];
const azurites: number[] = [];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True once `pid` is gone, false if it is still there after `timeoutInMs`. */
async function gone(pid: number, timeoutInMs = 15_000): Promise<boolean> {
  const until = Date.now() + timeoutInMs;
  while (Date.now() < until) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !alive(pid);
}

/** The environment of a fresh clone: nothing configured that serve would otherwise start itself. */
function bareEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^(AzureWebJobsStorage|AZURE_ARM_|EGRESS_AUDIT_|PUBLIC_BASE_URL$|WEBSITE_|TEAMS_WEBHOOK_URL$|AUTH_ALLOWED_|BASELINE_|SCAN_)/.test(k)) delete env[k];
  }
  return env;
}

/** Node options, then `npm run serve --port 0`; resolves once it printed its banner. */
async function startServe(nodeArgs: string[] = []): Promise<Serve> {
  const child = spawn(process.execPath, ["--import", "tsx", ...nodeArgs, "src/serve/main.ts", "--port", "0"], { cwd: REPO, env: bareEnv(), stdio: ["ignore", "pipe", "pipe"] });
  started.push(child);
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const pid = /Azurite \(in memory\) started, pid (\d+)/;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${out}\n${err}`)), 60_000);
    const check = () => {
      const m = pid.exec(err);
      if (m && !azurites.includes(Number(m[1]))) azurites.push(Number(m[1]));
      if (out.includes("Ctrl-C stops")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", check);
    child.stderr.on("data", check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before starting:\n${out}\n${err}`));
    });
  });
  const field = (re: RegExp) => {
    const m = re.exec(out);
    if (!m) throw new Error(`serve printed no ${re.source}:\n${out}`);
    return m[1]!;
  };
  return {
    child,
    url: field(/listening on (http:\/\/\S+)\/api/),
    functionKey: field(/^function key: (\S+)$/m),
    masterKey: field(/^master key \(admin API only\): (\S+)$/m),
    azuritePid: Number(pid.exec(err)![1]),
    exited,
    output: () => `${out}\n${err}`,
  };
}

/** One raw request on a fresh connection; the status, or 0 when the connection failed or hung. */
function rawStatus(url: string, host: string): Promise<number> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), "127.0.0.1");
    let text = "";
    socket.setEncoding("utf8");
    socket.on("data", (c: string) => (text += c));
    socket.on("end", () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
    socket.on("error", () => resolve(0));
    socket.setTimeout(5_000, () => {
      socket.destroy();
      resolve(0);
    });
    socket.end(`GET /api/health HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  });
}

afterEach(() => {
  // Whatever a failed test left behind.
  for (const c of started.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  for (const pid of azurites.splice(0)) if (alive(pid)) process.kill(pid, "SIGKILL");
});

describe("npm run serve as a process", () => {
  it("survives malformed Host headers, keeps its keys apart, and SIGTERM stops it and its Azurite", async () => {
    const serve = await startServe();
    expect(alive(serve.azuritePid)).toBe(true);
    expect(serve.masterKey).not.toBe(serve.functionKey);
    // Startup says what it loaded in one line, without @azure/functions' "test mode" warnings,
    // and resolves the timer's %SCAN_SCHEDULE% from the environment (unset: the default).
    const startup = serve.output();
    expect(startup).not.toMatch(/test mode|WARNING/i);
    expect(startup).toMatch(/^serve: 14 functions loaded from functions\/; serve routes them itself/m);
    expect(startup).toContain(`timer scheduledScan: "${DEFAULT_SCAN_SCHEDULE}" (SCAN_SCHEDULE;`);
    for (const host of ["[::1", "a b", "x".repeat(10 * 1024), "[::1]:99999"]) {
      expect(await rawStatus(serve.url, host), host.slice(0, 20)).toBe(400);
    }
    expect(await rawStatus(serve.url, "localhost")).toBe(200);
    expect(serve.child.exitCode).toBeNull();
    // The admin route refuses the function key.
    const admin = await fetch(`${serve.url}/admin/functions/scheduledScan`, { method: "POST", headers: { "x-functions-key": serve.functionKey } });
    expect(admin.status).toBe(401);

    serve.child.kill("SIGTERM");
    expect(await serve.exited).toBe(0);
    expect(await gone(serve.azuritePid)).toBe(true);
  }, 90_000);

  it("an error nothing caught stops Azurite too, and exits 1", async () => {
    const serve = await startServe(["--import", "./test/http/fixtures/throwOnSignal.ts"]);
    expect(alive(serve.azuritePid)).toBe(true);
    serve.child.kill("SIGUSR2");
    expect(await serve.exited).toBe(1);
    expect(serve.output()).toContain("injected by the test");
    expect(await gone(serve.azuritePid), `Azurite pid ${serve.azuritePid} outlived serve`).toBe(true);
  }, 90_000);

  it("Azurite's exit hook ends it when its parent dies without calling stop()", async () => {
    const script = [
      `import { startAzurite } from ${JSON.stringify(join(REPO, "src", "serve", "azurite.ts"))};`,
      "const azurite = await startAzurite();",
      "process.stdout.write(`pid ${azurite.pid}\\n`);",
      "setTimeout(() => { throw new Error('crash without stop()'); }, 50);",
    ].join("\n");
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: REPO, env: bareEnv(), stdio: ["ignore", "pipe", "pipe"] });
    started.push(child);
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      out += c;
      const m = /pid (\d+)/.exec(out);
      if (m && !azurites.includes(Number(m[1]))) azurites.push(Number(m[1]));
    });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(1);
    const pid = Number(/pid (\d+)/.exec(out)?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(await gone(pid), `Azurite pid ${pid} outlived its parent`).toBe(true);
  }, 60_000);
});
