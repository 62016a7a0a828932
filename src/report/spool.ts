/**
 * A spool of judged targets on disk, so a scan of any size writes its report with memory that
 * does not grow with the targets' findings (DESIGN "Drift report": written as a stream). Each
 * target's JSON is appended to a temporary file as soon as the target is judged; the spool keeps
 * only where each one lies and the report's counts. The report is then streamed in the scan's
 * target order by reading the targets back one at a time (./stream.ts, `reportJsonChunks`).
 *
 * The temporary file is unlinked as soon as it is open where the platform allows it (POSIX), so
 * it is gone however the process ends, even killed; elsewhere it is removed by {@link
 * TargetSpool.close} and, as a last resort, when the process exits.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Severity } from "../checks/lib/types.js";
import type { DriftReport, TargetReport } from "./report.js";

/** Where one spooled target lies, with what the report's order needs. */
export interface SpooledTarget {
  id: string;
  subscriptionId: string;
  /** Byte offset and length of its JSON in the spool file. */
  offset: number;
  length: number;
}

/** Options of {@link TargetSpool.create}. */
export interface SpoolOptions {
  /** Folder for the temporary file (default: the OS's temporary folder). */
  dir?: string;
}

/**
 * Written bytes are gathered in one reused buffer of this size before one write. Reused, not a
 * Buffer per target: buffers that wait for a batch outlive the young generation, and their memory
 * (outside the heap) would only be freed by a full collection, long after the write.
 */
const WRITE_BATCH_BYTES = 1024 * 1024;

/**
 * Judged targets on disk, appended as they are judged and read back one by one. Not safe to
 * write while reading: {@link add} every target, then iterate {@link targets}. Close it
 * (`close()` or `await using`) whatever happens.
 */
export class TargetSpool implements AsyncDisposable {
  /** The report's `summary`, counted as targets are added. */
  readonly summary: DriftReport["summary"] = { targets: 0, compliant: 0, drifted: 0, unknown: 0, findings: { fail: 0, pass: 0, unknown: 0 } };
  /** Severities of the unsuppressed failing findings added (for `--fail-on`). */
  readonly failingSeverities = new Set<Severity>();
  #fd: number | undefined;
  /** Set while the file still has a name to remove (platforms that cannot unlink an open file). */
  #dir: string | undefined;
  /** Bytes in the file. */
  #size = 0;
  #batch: Buffer | undefined = Buffer.allocUnsafe(WRITE_BATCH_BYTES);
  /** Bytes of {@link #batch} not yet written. */
  #pendingBytes = 0;
  #readBuffer = Buffer.alloc(64 * 1024);
  readonly #onExit = () => this.#remove();

  private constructor(fd: number, dir: string | undefined) {
    this.#fd = fd;
    this.#dir = dir;
    if (dir !== undefined) process.once("exit", this.#onExit);
  }

  /** Opens a new spool: a private temporary file (mode 0600 in a fresh 0700 folder). */
  static create(options: SpoolOptions = {}): TargetSpool {
    const dir = mkdtempSync(join(options.dir ?? tmpdir(), "egress-audit-spool-"));
    const file = join(dir, "targets.jsonl");
    let fd: number;
    try {
      fd = openSync(file, "w+", 0o600);
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    try {
      // POSIX: the open descriptor keeps the data; the name (and the folder) go now.
      unlinkSync(file);
      rmSync(dir, { recursive: true, force: true });
      return new TargetSpool(fd, undefined);
    } catch {
      // Windows cannot unlink an open file: removed on close, or at exit.
      return new TargetSpool(fd, dir);
    }
  }

  /** Number of targets added. */
  get size(): number {
    return this.summary.targets;
  }

  /** Bytes of target JSON written so far. */
  get bytes(): number {
    return this.#size + this.#pendingBytes;
  }

  /**
   * Appends a judged target and counts it; returns where it lies. Synchronous, so a scan can call
   * it in the slice that judged the target and drop the target at once.
   */
  add(target: TargetReport): SpooledTarget {
    const fd = this.#open();
    const json = JSON.stringify(target);
    const length = Buffer.byteLength(json, "utf8");
    if (length > WRITE_BATCH_BYTES - this.#pendingBytes) this.#flush(fd);
    const entry: SpooledTarget = { id: target.id, subscriptionId: target.subscriptionId, offset: this.#size + this.#pendingBytes, length };
    if (length > WRITE_BATCH_BYTES) {
      // Larger than a batch (a target with thousands of findings): written on its own.
      this.#writeAll(fd, Buffer.from(json, "utf8"));
    } else {
      this.#batch!.write(json, this.#pendingBytes, "utf8");
      this.#pendingBytes += length;
    }
    const s = this.summary;
    s.targets++;
    s[target.status]++;
    for (const f of target.findings) {
      s.findings[f.status]++;
      if (f.status === "fail" && !f.suppressed) this.failingSeverities.add(f.severity);
    }
    return entry;
  }

  /** Reads one spooled target back. */
  read(entry: SpooledTarget): TargetReport {
    const fd = this.#open();
    if (this.#pendingBytes > 0) this.#flush(fd);
    if (this.#readBuffer.length < entry.length) this.#readBuffer = Buffer.alloc(Math.max(entry.length, this.#readBuffer.length * 2));
    let done = 0;
    while (done < entry.length) {
      const n = readSync(fd, this.#readBuffer, done, entry.length - done, entry.offset + done);
      if (n === 0) throw new Error(`internal: spool ended at ${entry.offset + done} reading target ${entry.id}`);
      done += n;
    }
    return JSON.parse(this.#readBuffer.toString("utf8", 0, entry.length)) as TargetReport;
  }

  /**
   * The targets in the given order, read back one at a time as the consumer asks (each iteration
   * reads afresh). The reads are small synchronous positional reads of the local file.
   */
  *targets(order: readonly SpooledTarget[], options: { abortSignal?: AbortSignal } = {}): Generator<TargetReport> {
    for (const entry of order) {
      options.abortSignal?.throwIfAborted();
      yield this.read(entry);
    }
  }

  /** Closes and removes the file. Idempotent. */
  close(): Promise<void> {
    if (this.#fd !== undefined) {
      const fd = this.#fd;
      this.#fd = undefined;
      this.#batch = undefined;
      this.#pendingBytes = 0;
      closeSync(fd);
    }
    this.#remove();
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #open(): number {
    if (this.#fd === undefined) throw new Error("internal: the target spool is closed");
    return this.#fd;
  }

  #flush(fd: number): void {
    if (this.#pendingBytes === 0) return;
    const pending = this.#pendingBytes;
    this.#pendingBytes = 0;
    this.#writeAll(fd, this.#batch!.subarray(0, pending));
  }

  /** Appends `data` at the end of the file. A write may take less than asked (a full disk fails with an error): continue where it stopped. */
  #writeAll(fd: number, data: Buffer): void {
    let written = 0;
    while (written < data.length) written += writeSync(fd, data, written, data.length - written, this.#size + written);
    this.#size += data.length;
  }

  #remove(): void {
    if (this.#dir === undefined) return;
    const dir = this.#dir;
    this.#dir = undefined;
    process.removeListener("exit", this.#onExit);
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Still open elsewhere (Windows): the folder is in the temporary folder, which the OS cleans.
    }
  }
}
