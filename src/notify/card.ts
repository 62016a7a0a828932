/**
 * The Teams alert: a Workflows-webhook `message` with one Adaptive Card (v1.5) attachment saying
 * what changed: scope, counts, new drift by severity (check title and resource), resolved drift,
 * and a link to the report. Kept under the Teams message limit (28 KB) by listing fewer items and
 * summarising the rest as "and N more". Check titles come from the report's catalog (`checks`),
 * then from this build's registry, then the check id itself; the card shows no remediation or
 * evidence (the report link does).
 */
import { getCheck } from "../checks/index.js";
import type { Severity } from "../checks/lib/types.js";
import type { ReportDiff } from "../report/diff.js";
import type { CheckCatalog, DriftReport } from "../report/report.js";
import { catalogEntry } from "../report/render/common.js";
import { safeLine } from "../util/sanitize.js";

/**
 * Where the card's "Open report" button goes: the dashboard page (`/api/dashboard`, which a browser
 * opens, behind App Service Authentication when it is on) at this scan, and at the target when the
 * change is on one target. Never an API route that answers JSON, and never a key: the scan and
 * target ride in the fragment (`#scan=<id>&target=<ARM id>`), which the browser keeps to itself.
 */
export function dashboardLink(publicBaseUrl: string, scanId: string, targetId?: string): string {
  const fragment = `scan=${encodeURIComponent(scanId)}${targetId ? `&target=${encodeURIComponent(targetId)}` : ""}`;
  return `${publicBaseUrl.replace(/\/+$/, "")}/api/dashboard#${fragment}`;
}

/**
 * The one target a change is on (its new findings, and the resolved ones still in the report), or
 * undefined when it spans several targets (the link then opens the scan's overview).
 */
export function changedTargetOf(report: DriftReport, diff: Pick<ReportDiff, "new" | "resolved">): string | undefined {
  const changed = new Set([...diff.new, ...diff.resolved]);
  const targets = report.targets.filter((t) => t.findings.some((f) => changed.has(f.id)));
  return targets.length === 1 ? targets[0]!.id : undefined;
}

/** Teams refuses messages above about 28 KB; stay under it with room for the envelope Teams adds. */
export const TEAMS_MESSAGE_LIMIT_BYTES = 28 * 1024;
const BUDGET_BYTES = TEAMS_MESSAGE_LIMIT_BYTES - 1024;
/** More items than this do not help a reader in a chat; the rest is summarised. */
const MAX_ITEMS_PER_SECTION = 40;
const MAX_TEXT = 300;

const SEVERITY_ORDER: readonly Severity[] = ["critical", "high", "medium", "low", "info"];

/** One finding as the card lists it. */
export interface CardItem {
  findingId: string;
  checkId: string;
  severity: Severity;
  resourceId: string;
}

/** Inputs of {@link buildAlertMessage}. */
export interface AlertInput {
  report: DriftReport;
  diff: ReportDiff;
  /** New drift (from the report). */
  newItems: CardItem[];
  /** Resolved drift (from the previous state: a resolved finding may be gone from the report). */
  resolvedItems: CardItem[];
  /** Findings whose previous state was kept because they could not be evaluated. */
  staleCount: number;
  /** Link to the report (see {@link dashboardLink}); omitted from the card when absent. */
  reportUrl?: string;
}

/** The Workflows webhook payload. */
export interface TeamsMessage {
  type: "message";
  attachments: [{ contentType: "application/vnd.microsoft.card.adaptive"; contentUrl: null; content: AdaptiveCard }];
}

/** The subset of Adaptive Card 1.5 the alert uses. */
export interface AdaptiveCard {
  type: "AdaptiveCard";
  $schema: string;
  version: "1.5";
  body: CardElement[];
  actions?: Array<{ type: "Action.OpenUrl"; title: string; url: string }>;
  msteams?: { width: "Full" };
}

// Enum values in lower case: Adaptive Card enums are case-insensitive, and the published JSON
// schema lists them in lower case.
type CardElement =
  | {
      type: "TextBlock";
      text: string;
      wrap: true;
      weight?: "bolder";
      size?: "medium" | "large";
      color?: "attention" | "warning" | "good" | "accent";
      isSubtle?: boolean;
      spacing?: "none" | "small" | "medium";
      separator?: boolean;
    }
  | { type: "FactSet"; facts: Array<{ title: string; value: string }> };

/**
 * Text that comes from ARM (resource names, ids, subscription ids) made safe for a card: first the
 * one sanitiser (`safeLine`: control and bidi characters and line breaks become visible escapes
 * such as `\n` or `\u202e`, so a name can neither forge a line nor reorder the text), then
 * clipped, then Teams markdown escaped so that it is shown, not interpreted: a name can never turn
 * into a link or formatting.
 */
export function escapeCardText(text: string): string {
  const line = safeLine(text);
  let clipped = line.length > MAX_TEXT ? line.slice(0, MAX_TEXT - 1) : line;
  // Never leave half a surrogate pair at the cut.
  if (/[\ud800-\udbff]$/.test(clipped)) clipped = clipped.slice(0, -1);
  if (clipped.length < line.length) clipped += "…";
  // ARM names cannot hold most of these; escaping the few that could make a link, emphasis or
  // HTML keeps ordinary ids (with `_`, `-`, `.`) readable.
  return clipped.replace(/[\\`*[\]<>]/g, (c) => `\\${c}`);
}

/** The last segment of an ARM id (the resource name), for a short line. */
function nameOf(resourceId: string): string {
  return resourceId.split("/").filter(Boolean).at(-1) ?? resourceId;
}

/** The report's title of a check, else the registry's (a resolved finding of a check the report no longer names), else its id. */
function titleOf(checks: CheckCatalog | undefined, checkId: string): string {
  const title = catalogEntry(checks, checkId)?.title;
  if (typeof title === "string" && title !== "") return title;
  return getCheck(checkId)?.meta.title ?? checkId;
}

function bySeverity(a: CardItem, b: CardItem): number {
  return (
    SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) ||
    a.checkId.localeCompare(b.checkId) ||
    a.resourceId.toLowerCase().localeCompare(b.resourceId.toLowerCase())
  );
}

function countsBySeverity(items: readonly CardItem[]): string {
  return SEVERITY_ORDER.map((s) => [s, items.filter((i) => i.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(", ");
}

function itemLine(checks: CheckCatalog | undefined, i: CardItem): CardElement {
  return {
    type: "TextBlock",
    text: `**${escapeCardText(titleOf(checks, i.checkId))}**: ${escapeCardText(nameOf(i.resourceId))}  \n${escapeCardText(i.resourceId)}`,
    wrap: true,
    spacing: "small",
  };
}

/** The "and N more" line of a section that lists fewer items than it has. */
function moreLine(hidden: readonly CardItem[], noun: string): CardElement {
  return {
    type: "TextBlock",
    text: `…and ${hidden.length} more ${noun} (${countsBySeverity(hidden)})`,
    wrap: true,
    isSubtle: true,
    spacing: "small",
  };
}

function section(checks: CheckCatalog | undefined, title: string, items: readonly CardItem[], shown: number, noun: string, grouped: boolean): CardElement[] {
  const line = (i: CardItem) => itemLine(checks, i);
  if (items.length === 0) return [];
  const out: CardElement[] = [{ type: "TextBlock", text: `${title} (${items.length})`, wrap: true, weight: "bolder", spacing: "medium", separator: true }];
  const visible = items.slice(0, shown);
  if (grouped) {
    for (const sev of SEVERITY_ORDER) {
      const group = visible.filter((i) => i.severity === sev);
      if (group.length === 0) continue;
      const total = items.filter((i) => i.severity === sev).length;
      out.push({
        type: "TextBlock",
        text: `${sev[0]!.toUpperCase()}${sev.slice(1)} (${total})`,
        wrap: true,
        weight: "bolder",
        color: sev === "critical" || sev === "high" ? "attention" : sev === "medium" ? "warning" : "accent",
        spacing: "small",
      });
      out.push(...group.map(line));
    }
  } else {
    out.push(...visible.map(line));
  }
  if (items.length > shown) out.push(moreLine(items.slice(shown), noun));
  return out;
}

function scopeText(report: DriftReport): string {
  const subs = report.scope.subscriptions;
  if (subs.length === 0) return "no subscription";
  const listed = subs.slice(0, 5).map(escapeCardText).join(", ");
  return `${subs.length} subscription${subs.length === 1 ? "" : "s"}: ${listed}${subs.length > 5 ? `, and ${subs.length - 5} more` : ""}`;
}

function card(input: AlertInput, newItems: CardItem[], resolvedItems: CardItem[], shown: number): AdaptiveCard {
  const r = input.report;
  const s = r.summary;
  const body: CardElement[] = [
    { type: "TextBlock", text: "Egress drift changed", wrap: true, weight: "bolder", size: "large" },
    { type: "TextBlock", text: `Scope: ${scopeText(r)}`, wrap: true, isSubtle: true, spacing: "none" },
    {
      type: "FactSet",
      facts: [
        { title: "New drift", value: String(input.diff.new.length) },
        { title: "Resolved", value: String(input.diff.resolved.length) },
        { title: "Unchanged drift", value: String(input.diff.unchanged) },
        { title: "Targets", value: `${s.targets}: ${s.drifted} drifted, ${s.compliant} compliant, ${s.unknown} unknown` },
        { title: "Findings", value: `${s.findings.fail} fail, ${s.findings.pass} pass, ${s.findings.unknown} unknown` },
        ...(input.staleCount > 0 ? [{ title: "Not evaluated", value: `${input.staleCount} (previous state kept)` }] : []),
        { title: "Scan", value: `${escapeCardText(r.scanId)} at ${escapeCardText(r.finishedAt)}` },
      ],
    },
    ...section(r.checks, "New drift", newItems, Math.min(shown, newItems.length), "new findings", true),
    ...section(r.checks, "Resolved drift", resolvedItems, Math.min(shown, resolvedItems.length), "resolved findings", false),
  ];
  return {
    type: "AdaptiveCard",
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    version: "1.5",
    body,
    ...(input.reportUrl ? { actions: [{ type: "Action.OpenUrl" as const, title: "Open report", url: input.reportUrl }] } : {}),
    msteams: { width: "Full" },
  };
}

/** Wraps a card in the Workflows webhook envelope. */
export function messageOf(content: AdaptiveCard): TeamsMessage {
  return { type: "message", attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content }] };
}

/** UTF-8 size of the message as it is sent. */
export function messageBytes(message: TeamsMessage): number {
  return Buffer.byteLength(JSON.stringify(message), "utf8");
}

/**
 * Builds the alert message, listing as many items per section as fit the size budget (at most
 * {@link MAX_ITEMS_PER_SECTION}); the rest of each section becomes an "and N more" line.
 */
export function buildAlertMessage(input: AlertInput): TeamsMessage {
  const newItems = [...input.newItems].sort(bySeverity);
  const resolvedItems = [...input.resolvedItems].sort(bySeverity);
  const fits = (k: number) => messageBytes(messageOf(card(input, newItems, resolvedItems, k))) <= BUDGET_BYTES;
  // Size grows with k: binary search the largest k that fits.
  let lo = 0;
  let hi = Math.min(MAX_ITEMS_PER_SECTION, Math.max(newItems.length, resolvedItems.length));
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return messageOf(card(input, newItems, resolvedItems, lo));
}
