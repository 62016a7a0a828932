/**
 * The dashboard page without a browser: what the route answers (HTML, headers, the pipeline's
 * problems), and what the page may load (nothing but itself: every inline asset pinned by the
 * CSP, no URL to anywhere else). test/dashboard/dashboard.test.ts drives it in Chromium.
 */
import { createHash } from "node:crypto";
import { Script } from "node:vm";
import { describe, expect, it } from "vitest";
import { dashboard } from "../../functions/dashboard.js";
import { dashboardCsp, dashboardHtml } from "../../src/dashboard/page.js";
import { dashboardScript } from "../../src/dashboard/client.js";
import { buildOpenApi } from "../../src/http/openapi.js";
import { allRoutes, pageRoutes } from "../../src/http/routes.js";
import { httpRequest, invocation, responseOf } from "../setup/harness.js";

const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;

function inline(html: string, tag: "script" | "style"): string[] {
  return [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, "g"))].map((m) => m[1]!);
}

describe("GET /api/dashboard", () => {
  it("answers the page as HTML with a CSP that pins its inline script and stylesheet, and no referrer", async () => {
    const { context } = invocation("dashboard");
    const r = responseOf(await dashboard(httpRequest("GET", "/api/dashboard", { query: "code=k" }), context));
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(r.headers["content-security-policy"]).toBe(dashboardCsp);
    expect(r.headers["referrer-policy"]).toBe("no-referrer");
    expect(r.headers["x-content-type-options"]).toBe("nosniff");
    expect(r.text).toBe(dashboardHtml());

    const csp = new Map(dashboardCsp.split(/;\s*/).map((d) => [d.split(" ")[0]!, d.split(" ").slice(1)] as const));
    expect(csp.get("default-src")).toEqual(["'none'"]);
    expect(csp.get("script-src")).toEqual(inline(r.text, "script").map(sha256));
    expect(csp.get("style-src")).toEqual(inline(r.text, "style").map(sha256));
    expect(csp.get("connect-src")).toEqual(["'self'"]);
    expect(csp.get("frame-ancestors")).toEqual(["'none'"]);
  });

  it("loads nothing from anywhere: no external URL, no inline handler, no style attribute", () => {
    const html = dashboardHtml();
    const urls = [...html.matchAll(/\b(?:src|href|action)="([^"]*)"/g)].map((m) => m[1]!);
    for (const u of urls) expect(u, u).toMatch(/^(#[\w-]*|data:,)$/);
    // A CSS url( (the script's URL.createObjectURL( is an API name, not one).
    expect(html).not.toMatch(/\son\w+=|\sstyle=|@import|[^\w.]url\(/i);
    // The only absolute URL is the SVG namespace name, which is an identifier, never fetched.
    expect([...html.matchAll(/https?:\/\/[^\s"'<>)]+/g)].map((m) => m[0])).toEqual(["http://www.w3.org/2000/svg"]);
  });

  it("ships a script that parses, and that renders report values as text only", () => {
    expect(() => new Script(dashboardScript)).not.toThrow();
    expect(dashboardScript).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
  });

  it("never builds a string from the function key: it only goes into the x-functions-key header", () => {
    expect(dashboardScript).toContain('if (key) headers["x-functions-key"] = key;');
    // No concatenation or encoding of the key, and no `code=` query parameter built anywhere.
    expect(dashboardScript).not.toMatch(/encodeURIComponent\(key\)|\+\s*key\b|\bkey\s*\+|["']&?code=["']/);
  });

  it("is anonymous (a static shell with no data: a Teams card's link opens it) and answers the pipeline's problems", async () => {
    expect(pageRoutes().map((r) => [r.spec.name, r.spec.method, r.spec.route, r.spec.authLevel])).toEqual([["dashboard", "GET", "dashboard", "anonymous"]]);
    const { context } = invocation("dashboard");
    const stray = responseOf(await dashboard(httpRequest("GET", "/api/dashboard", { query: "code=k&theme=dark" }), context));
    expect(stray.status).toBe(400);
    expect(stray.json).toMatchObject({ code: "ValidationFailed", errors: [{ path: "/query/theme" }] });
    const body = responseOf(await dashboard(httpRequest("GET", "/api/dashboard", { headers: { "content-length": "2" } }), context));
    expect(body.json).toMatchObject({ code: "UnexpectedBody" });
  });

  it("is a page, not an API operation: the OpenAPI document leaves it out", () => {
    const names = new Set(allRoutes().map((r) => r.spec.name));
    for (const r of pageRoutes()) expect(names.has(r.spec.name)).toBe(false);
    const doc = buildOpenApi(allRoutes(), { version: "0", serverUrl: "/api" }) as { paths: Record<string, unknown> };
    expect(doc.paths["/dashboard"]).toBeUndefined();
  });
});
