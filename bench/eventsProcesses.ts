/**
 * The processes of `npm run bench:events` and how the benchmark talks to them: the emulator
 * process (bench/eventsEmulator.ts), `egress-audit serve` as a user runs it (a child process with
 * its settings in the environment; its invocation log parsed for the batch outcomes), and the
 * HTTP calls to serve's API (the admin route that runs the timer, the stored reports).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";

const root = join(import.meta.dirname, "..");

/** What the emulator process counts. */
export interface EventsEmulatorStats {
  /** Reads answered (every request but PUT, PATCH and DELETE). */
  reads: number;
  readCounts: Record<string, number>;
  writes: Record<string, number>;
}

/** A running emulator process. */
export interface EventsEmulator {
  url: string;
  caBundle: string;
  deliverTo(url: string): Promise<void>;
  stats(): Promise<EventsEmulatorStats>;
  /** Waits until every queued event was delivered or given up; the delivery totals since start. */
  flush(): Promise<{ delivered: number; failed: number }>;
  stop(): Promise<void>;
}

/** Starts bench/eventsEmulator.ts on an estate file. */
export function startEventsEmulator(estatePath: string): Promise<EventsEmulator> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--max-old-space-size=4096", "--import", "tsx", join(root, "bench", "eventsEmulator.ts"), "--estate", estatePath], {
      cwd: root,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    const waiting = new Map<string, Array<(rest: string) => void>>();
    const ask = (command: string, prefix: string): Promise<string> =>
      new Promise((done) => {
        waiting.set(prefix, [...(waiting.get(prefix) ?? []), done]);
        child.stdin.write(`${command}\n`);
      });
    let url = "";
    let caBundle = "";
    let started = false;
    createInterface({ input: child.stdout }).on("line", (line) => {
      url ||= /^listening on (\S+)/.exec(line)?.[1] ?? "";
      caBundle ||= /^CA bundle: (\S+)/.exec(line)?.[1] ?? "";
      for (const [prefix, queue] of waiting) {
        if (line.startsWith(prefix) && queue.length > 0) {
          queue.shift()!(line.slice(prefix.length));
          break;
        }
      }
      if (!started && url && caBundle) {
        started = true;
        resolve({
          url,
          caBundle,
          deliverTo: async (to) => void (await ask(`deliver ${to}`, "OK deliver")),
          stats: async () => JSON.parse(await ask("stats", "STATS ")) as EventsEmulatorStats,
          flush: async () => JSON.parse(await ask("flush", "OK flush ")) as { delivered: number; failed: number },
          stop: () => stopChild(child, () => child.stdin.end()),
        });
      }
    });
    child.once("exit", (code) => {
      if (!started) reject(new Error(`emulator exited ${code}: ${err}`));
    });
  });
}

/** Ends a child (gently, then SIGKILL after 10 s) and resolves when it has exited. */
function stopChild(child: ChildProcess, gently: () => void): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(killer);
      done();
    });
    gently();
  });
}

/** One `onResourceChange` invocation as serve logged it (one per event of a delivery). */
export interface InvocationLine {
  at: number;
  kind: "write" | "delete";
  resourceId: string;
  eventId: string;
  /** The batch's outcome; absent when the invocation failed. */
  batch?: { changes: number; status: string; targets: number; armRequests: number; newFindings: number; resolvedFindings: number; teams: string; scanId?: string };
  error?: string;
}

const OUTCOME_LINE =
  /onResourceChange: (write|delete) (\S+) \(event ([^)]+)\): batch of (\d+) change\(s\) ([\w-]+), (\d+) target\(s\) re-audited, (\d+) ARM request\(s\), (\d+) new and (\d+) resolved finding\(s\); Teams: ([^;]+?)(?:; scan (\S+))?$/;
const FAILED_LINE = /onResourceChange: the audit of the batch with (\S+) \(event ([^)]+)\) failed: (.*)$/;

/** A running `egress-audit serve`. */
export interface ServeProcess {
  url: string;
  invocations: InvocationLine[];
  /** The last lines of its stderr (for a failure message). */
  tail(): string;
  stop(): Promise<void>;
}

/** Starts `egress-audit serve --port 0` from the sources (as `npm run serve` does) with these settings added to the environment. */
export function startServe(env: NodeJS.ProcessEnv): Promise<ServeProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(root, "src", "cli", "main.ts"), "serve", "--port", "0"], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const invocations: InvocationLine[] = [];
    let tail = "";
    let started = false;
    createInterface({ input: child.stderr }).on("line", (line) => {
      tail = `${tail}${line}\n`.slice(-6000);
      const ok = OUTCOME_LINE.exec(line);
      if (ok) {
        invocations.push({
          at: Date.now(),
          kind: ok[1] as "write" | "delete",
          resourceId: ok[2]!,
          eventId: ok[3]!,
          batch: {
            changes: Number(ok[4]),
            status: ok[5]!,
            targets: Number(ok[6]),
            armRequests: Number(ok[7]),
            newFindings: Number(ok[8]),
            resolvedFindings: Number(ok[9]),
            teams: ok[10]!,
            ...(ok[11] ? { scanId: ok[11] } : {}),
          },
        });
        return;
      }
      const failed = FAILED_LINE.exec(line);
      if (failed) invocations.push({ at: Date.now(), kind: "write", resourceId: failed[1]!, eventId: failed[2]!, error: failed[3]! });
    });
    createInterface({ input: child.stdout }).on("line", (line) => {
      const m = /^egress-audit API listening on (http:\/\/\S+)\/api$/.exec(line);
      if (m && !started) {
        started = true;
        resolve({ url: m[1]!, invocations, tail: () => tail, stop: () => stopChild(child, () => child.kill("SIGTERM")) });
      }
    });
    child.once("exit", (code) => {
      if (!started) reject(new Error(`serve exited ${code} before listening:\n${tail}`));
    });
  });
}

/** A JSON call to serve; throws with the answer unless the status is one of `ok`. */
export async function callJson(url: string, init: RequestInit = {}, ok: number[] = [200]): Promise<unknown> {
  const res = await fetch(url, init);
  const text = await res.text();
  if (!ok.includes(res.status)) throw new Error(`${init.method ?? "GET"} ${url.replace(/code=[^&]+/, "code=***")} answered ${res.status}: ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : undefined;
}

/** The head of a stored report (everything before its targets), read from the streamed JSON and the rest not downloaded. */
export async function reportHead(serve: string, functionKey: string, scanId: string): Promise<{ scanId: string; diff?: { new: string[]; resolved: string[]; unchanged: number } }> {
  const stop = new AbortController();
  const res = await fetch(`${serve}/api/scans/${scanId}?format=json&code=${encodeURIComponent(functionKey)}`, { signal: stop.signal });
  if (res.status !== 200 || !res.body) throw new Error(`GET /api/scans/${scanId} answered ${res.status}`);
  const decoder = new TextDecoder();
  let text = "";
  try {
    for await (const chunk of res.body) {
      text += decoder.decode(chunk as Uint8Array, { stream: true });
      const at = text.indexOf(',"targets":[');
      if (at >= 0) return JSON.parse(`${text.slice(0, at)}}`) as { scanId: string; diff?: { new: string[]; resolved: string[]; unchanged: number } };
    }
  } finally {
    stop.abort();
  }
  throw new Error(`the report of scan ${scanId} has no targets array`);
}

/** A finding as the targets page lists it. */
export interface PageFinding {
  id: string;
  checkId: string;
  status: string;
  resourceId: string;
}

/** One target's failing and unknown findings in a stored scan (the paged targets route, `?id=`). */
export async function targetFailures(serve: string, functionKey: string, scanId: string, targetId: string): Promise<PageFinding[]> {
  const page = (await callJson(`${serve}/api/scans/${scanId}/targets?id=${encodeURIComponent(targetId)}&findings=failures&code=${encodeURIComponent(functionKey)}`)) as {
    items: Array<{ findings: PageFinding[] }>;
  };
  return page.items[0]?.findings ?? [];
}

/** Every target of a stored scan (id, name) and the ids of its failing findings, page by page. */
export async function allTargets(serve: string, functionKey: string, scanId: string): Promise<Array<{ id: string; name: string; failing: string[] }>> {
  const out: Array<{ id: string; name: string; failing: string[] }> = [];
  let token: string | undefined;
  do {
    const page = (await callJson(
      `${serve}/api/scans/${scanId}/targets?limit=200&findings=failures&code=${encodeURIComponent(functionKey)}${token ? `&continuationToken=${token}` : ""}`,
    )) as { items: Array<{ id: string; name: string; findings: PageFinding[] }>; continuationToken?: string };
    for (const t of page.items) out.push({ id: t.id, name: t.name, failing: t.findings.filter((f) => f.status === "fail").map((f) => f.id) });
    token = page.continuationToken;
  } while (token);
  return out;
}
