/**
 * How the CLI process lets its heap grow. A scan allocates fast (every ARM response is parsed,
 * normalised and dropped) while what it keeps grows slowly (the snapshot). V8 sizes the next
 * major collection from the heap that survived the last one and, on a machine with a lot of
 * memory, lets the heap grow up to 4x before collecting again: at 10,000 targets a scan that keeps
 * about 160 MB alive peaked at 510-610 MB RSS, most of it garbage waiting for a collection.
 *
 * The CLI asks for a growing factor of 1.3 instead (`--heap-growing-percent=30`). That is not a
 * cap: the heap still grows as far as the scan needs, so a large estate ends with its report and
 * never with an out-of-memory crash; it only collects sooner, mostly on V8's background threads.
 * Measured on the bench's estates (2 cores, `/usr/bin/time -v`, the CLI as a user runs it), peak
 * RSS / CPU / wall by growing percent:
 * - 10,000 targets: V8's own 612 MB / 13.5 s / 14.6 s; 50: 378 MB / 14.0 s / 14.1 s; 30: 366 MB /
 *   14.9 s / 14.2 s; 20: 346 MB / 16.3 s / 14.2 s (the wall is the read budget's, not the CPU's);
 * - 50,000 targets: V8's own 1,067 MB; 50: 1,041 MB / 59 s / 62 s; 30: 927 MB / 64 s / 64 s;
 *   20: 886 MB / 73 s / 73 s.
 * 30 keeps the 50,000-target scan under 1 GB at 8% more CPU than 50; 20 buys 40 MB for 14% more.
 * A user's own `--heap-growing-percent` (command line or `NODE_OPTIONS`) wins.
 */
import process from "node:process";
import { setFlagsFromString } from "node:v8";

/** The growth the CLI asks for: the heap may grow by this percent of what survived before the next major collection. */
export const CLI_HEAP_GROWING_PERCENT = 30;

/** Sets {@link CLI_HEAP_GROWING_PERCENT} unless the process was started with its own value; returns the flag set, if any. */
export function tuneHeapGrowth(execArgv: readonly string[] = process.execArgv, nodeOptions: string | undefined = process.env.NODE_OPTIONS): string | undefined {
  const given = [...execArgv, ...(nodeOptions ?? "").split(/\s+/)].some((a) => /^--heap[-_]growing[-_]percent\b/.test(a));
  if (given) return undefined;
  const flag = `--heap-growing-percent=${CLI_HEAP_GROWING_PERCENT}`;
  // V8 reads this flag each time it sets the next collection's limit, so setting it after start
  // takes effect from the next major collection on (the first ones run at start-up sizes anyway).
  setFlagsFromString(flag);
  return flag;
}
