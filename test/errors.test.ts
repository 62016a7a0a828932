import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type {
  EgressAuditError} from "../src/errors.js";
import {
  EndpointUnreachableError,
  errorCatalog,
  errorCodeOf,
  hasErrorCode,
  isUsageError,
  QueueNotConfiguredError,
  ScopeBusyError,
  statusCodeOf,
  StorageNotConfiguredError,
  TimeLimitExceededError,
  UsageError,
} from "../src/errors.js";
import { problemCatalog } from "../src/http/problem.js";

const doc = readFileSync(new URL("../docs/errors.md", import.meta.url), "utf8");

/** The codes of a markdown table that follows `heading` (first column, in backticks). */
function tableCodes(heading: string): Map<string, string[]> {
  const section = doc.split(/^## /m).find((s) => s.startsWith(heading));
  if (!section) throw new Error(`docs/errors.md has no section "${heading}"`);
  const rows = new Map<string, string[]>();
  for (const line of section.split("\n")) {
    const m = /^\| `([A-Za-z]+)` \|(.*)\|$/.exec(line);
    if (m) rows.set(m[1]!, m[2]!.split("|").map((c) => c.trim()));
  }
  return rows;
}

describe("error catalog", () => {
  it("documents every thrown code in docs/errors.md, with its kind, and nothing else", () => {
    const rows = tableCodes("Errors the code throws");
    expect([...rows.keys()].sort()).toEqual(Object.keys(errorCatalog).sort());
    for (const [code, entry] of Object.entries(errorCatalog)) expect(rows.get(code)![0], code).toBe(entry.kind);
  });

  it("documents every HTTP problem code with its status, and nothing else", () => {
    const rows = tableCodes("Problems the HTTP API answers");
    expect([...rows.keys()].sort()).toEqual(Object.keys(problemCatalog).sort());
    for (const [code, entry] of Object.entries(problemCatalog)) expect(rows.get(code)![0], code).toBe(String(entry.status));
  });

  it("gives every named error its catalog code and keeps the cause", () => {
    const cause = new Error("ECONNREFUSED");
    const errors: [EgressAuditError, string][] = [
      [new UsageError("InvalidFlag", "bad flag", { cause }), "InvalidFlag"],
      [new EndpointUnreachableError("no route", { cause }), "EndpointUnreachable"],
      [new StorageNotConfiguredError(undefined, { cause }), "StorageNotConfigured"],
      [new QueueNotConfiguredError(undefined, { cause }), "QueueNotConfigured"],
      [new ScopeBusyError("busy", { cause }), "ScanInProgress"],
      [new TimeLimitExceededError("late", { cause }), "TimeLimitExceeded"],
    ];
    for (const [err, code] of errors) {
      expect(err.code).toBe(code);
      expect(err.cause).toBe(cause);
      expect(err).toBeInstanceOf(Error);
      expect(Object.hasOwn(errorCatalog, err.code)).toBe(true);
    }
    expect(new UsageError("InvalidFlag", "x").cause).toBeUndefined();
  });

  it("matches by code, also for errors that are not instances (cloned, re-wrapped, other realms)", () => {
    const clone = { name: "Error", code: "InvalidBaseline", message: "x" };
    expect(hasErrorCode(clone, "InvalidBaseline")).toBe(true);
    expect(hasErrorCode(clone, "InvalidFlag")).toBe(false);
    expect(hasErrorCode(clone)).toBe(true);
    expect(isUsageError(clone)).toBe(true);
    expect(isUsageError(new EndpointUnreachableError("x"))).toBe(false);
    // A code that is not ours (an ARM or Node code) is not a catalog error.
    expect(hasErrorCode({ code: "AuthorizationFailed" })).toBe(false);
    expect(isUsageError({ code: "ECONNREFUSED" })).toBe(false);
    expect(hasErrorCode({ code: "toString" })).toBe(false);
    expect(isUsageError(undefined)).toBe(false);
    expect(isUsageError(null)).toBe(false);
  });

  it("reads code and status of anything thrown", () => {
    expect(errorCodeOf({ code: "ResourceNotFound", statusCode: 404 })).toBe("ResourceNotFound");
    expect(statusCodeOf({ code: "ResourceNotFound", statusCode: 404 })).toBe(404);
    expect(errorCodeOf({ code: 5 })).toBeUndefined();
    expect(errorCodeOf({ code: "" })).toBeUndefined();
    expect(statusCodeOf("boom")).toBeUndefined();
    expect(statusCodeOf(null)).toBeUndefined();
  });
});
