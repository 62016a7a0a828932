/**
 * A CLI that feels finished: `--version`, the exit code table in `--help`, `serve` as a
 * subcommand, "not logged in" as a usage error before any ARM request, and the bin that runs
 * compiled JavaScript (never tsx) or says how to build it.
 */
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CredentialUnavailableError, AuthenticationRequiredError, AggregateAuthenticationError, AuthenticationError } from "@azure/identity";
import { afterAll, describe, expect, it } from "vitest";
import { isNotLoggedIn, NOT_LOGGED_IN } from "../../src/cli/credential.js";
import { runCli, type CliIo } from "../../src/cli/program.js";
import { finish, root, spawnCli } from "./processes.js";

const scratch = mkdtempSync(join(tmpdir(), "egress-audit-cli-finish-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const version = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version;

async function cli(args: string[], env: NodeJS.ProcessEnv = {}, extra: Partial<CliIo> = {}) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env, isTTY: false, ...extra });
  return { code, stdout, stderr };
}

describe("version, help, serve", () => {
  it("--version and -V print the package version and exit 0", async () => {
    for (const flag of ["--version", "-V"]) expect(await cli([flag])).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
  });

  it("--help ends with the exit code table, 70 included", async () => {
    const r = await cli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Exit codes:\n {2}0 {3}complete, no drift[\s\S]*\n {2}1 {3}drift found[\s\S]*\n {2}2 {3}no drift[\s\S]*\n {2}3 {3}usage or configuration error[\s\S]*not logged in[\s\S]*\n {2}70 {2}internal error/);
    expect(r.stdout).toMatch(/^ {2}serve \[options\]/m);
    expect(r.stdout).toMatch(/^ {2}baseline/m);
  });

  it("serve is a subcommand with --help; a bad --port is a usage error before anything starts", async () => {
    const help = await cli(["serve", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: egress-audit serve \[options\]/);
    expect(help.stdout).toContain("--port <n>");
    expect(help.stdout).toContain("--host <address>");
    const bad = await cli(["serve", "--port", "70000"]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('--port must be an integer 0-65535 (got "70000")');
  });

  it("the npm scripts run serve through the CLI", () => {
    const scripts = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    expect(scripts.serve).toMatch(/src\/cli\/main\.ts serve$/);
    expect(scripts.prepare).toBe("tsc -p tsconfig.build.json");
  });
});

describe("not logged in", () => {
  it("names the errors @azure/identity uses for 'nothing to sign in with', and only those", () => {
    const unavailable = new CredentialUnavailableError("az not found");
    const required = new AuthenticationRequiredError({ scopes: ["x"], message: "sign in" });
    const failed = new AuthenticationError(400, { error: "invalid_client", error_description: "bad secret" });
    expect(isNotLoggedIn(unavailable)).toBe(true);
    expect(isNotLoggedIn(required)).toBe(true);
    expect(isNotLoggedIn(new AggregateAuthenticationError([unavailable, required], "chain"))).toBe(true);
    expect(isNotLoggedIn(new AggregateAuthenticationError([unavailable, failed], "chain"))).toBe(false);
    expect(isNotLoggedIn(new AggregateAuthenticationError([], "chain"))).toBe(false);
    expect(isNotLoggedIn(failed)).toBe(false);
    expect(isNotLoggedIn(new Error("ECONNRESET"))).toBe(false);
  });

  it("scan and baseline init exit 3 with the message when the credential cannot sign in, asking it once and reading nothing", async () => {
    for (const args of [["scan"], ["baseline", "init"]]) {
      let asked = 0;
      const credential = {
        getToken: () => {
          asked++;
          return Promise.reject(new CredentialUnavailableError("Azure CLI could not be found"));
        },
      };
      const r = await cli([...args, "--subscription", "3f2a8c4e-7b1d-4e59-9c0a-2d6f1b8e4a73"], {}, { clientOptions: { credential, maxRetries: 0 } });
      expect(r, args.join(" ")).toEqual({ code: 3, stdout: "", stderr: `egress-audit: ${NOT_LOGGED_IN}\n` });
      expect(asked).toBe(1);
    }
  });

  it("with the real DefaultAzureCredential, no az on PATH and no identity: exit 3, and no request went to ARM", async () => {
    // Every HTTPS request of the child goes through this proxy, which records and refuses it.
    const seen: string[] = [];
    const proxy: Server = createServer((req, res) => {
      seen.push(req.headers.host ?? req.url ?? "?");
      res.writeHead(502).end();
    });
    proxy.on("connect", (req: { url?: string }, socket: { end: (s: string) => void }) => {
      seen.push(req.url ?? "?");
      socket.end("HTTP/1.1 502 Bad Gateway\r\n\r\n");
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
    const home = join(scratch, "home");
    const bin = join(scratch, "empty-bin");
    mkdirSync(home, { recursive: true });
    mkdirSync(bin, { recursive: true });
    try {
      const env = { HOME: home, PATH: bin, HTTPS_PROXY: proxyUrl, HTTP_PROXY: proxyUrl, NO_COLOR: "1" };
      const r = await finish(spawnCli(["scan", "--subscription", "3f2a8c4e-7b1d-4e59-9c0a-2d6f1b8e4a73", "--format", "json"], env, { replaceEnv: true }));
      expect(r.stderr).toBe(`egress-audit: ${NOT_LOGGED_IN}\n`);
      expect(r.code).toBe(3);
      expect(r.stdout).toBe("");
      expect(seen.filter((h) => /management\.azure\.com/i.test(h))).toEqual([]);
    } finally {
      proxy.close();
    }
  }, 60_000);
});

describe("the bin runs compiled JavaScript", () => {
  /** A copy of the package's shape around bin/egress-audit.js: package.json, bin/, estates/, node_modules without tsx. */
  function installTree(name: string): string {
    const dir = join(scratch, name);
    mkdirSync(join(dir, "bin"), { recursive: true });
    copyFileSync(join(root, "bin", "egress-audit.js"), join(dir, "bin", "egress-audit.js"));
    copyFileSync(join(root, "package.json"), join(dir, "package.json"));
    symlinkSync(join(root, "estates"), join(dir, "estates"));
    // Every installed package but tsx (and its loader, esbuild): the bin must not need them.
    mkdirSync(join(dir, "node_modules"));
    for (const entry of readdirSync(join(root, "node_modules"))) {
      if (entry === "tsx" || entry === "esbuild" || entry === ".bin") continue;
      symlinkSync(join(root, "node_modules", entry), join(dir, "node_modules", entry));
    }
    return dir;
  }

  function run(dir: string, args: string[]) {
    return finish(spawn(process.execPath, [join(dir, "bin", "egress-audit.js"), ...args], { cwd: dir, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] }));
  }

  it("without dist/ it says to run `npm run build` and exits 3, running nothing", async () => {
    const dir = installTree("unbuilt");
    const r = await run(dir, ["--version"]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("egress-audit: NotBuilt: the CLI is not built");
    expect(r.stderr).toContain("run `npm run build`");
  });

  it("built with tsconfig.build.json (what `prepare` runs), it runs --version, serve --help and the demo on the bundled estate, without tsx", async () => {
    const dir = installTree("built");
    execFileSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "tsconfig.build.json"), "--outDir", join(dir, "dist")], { cwd: root, stdio: "pipe" });
    const v = await run(dir, ["--version"]);
    expect(v).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
    const serve = await run(dir, ["serve", "--help"]);
    expect(serve.code).toBe(0);
    expect(serve.stdout).toContain("--port <n>");
    const demo = await run(dir, ["demo", "--format", "json", "--quiet"]);
    expect(demo.code, demo.stderr).toBe(1);
    const expected = JSON.parse(readFileSync(join(root, "estates", "demo.expected.json"), "utf8")) as { targets: object };
    expect((JSON.parse(demo.stdout) as { summary: { targets: number } }).summary.targets).toBe(Object.keys(expected.targets).length);
  }, 300_000);
});
