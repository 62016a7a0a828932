/**
 * Phase 1, the scope: the subscriptions the credential can see, and of those the ones to scan.
 * The subscription list is also the reachability probe: when it gets no HTTP response at all,
 * the scan stops here with {@link EndpointUnreachableError} instead of reporting every part
 * unknown.
 */
import { EndpointUnreachableError } from "../../errors.js";
import type { SubscriptionInfo } from "../../model/snapshot.js";
import { firstLine } from "../../util/text.js";
import { toReadError, type CollectionContext } from "../context.js";
import { drain } from "../reads.js";

/** True when the error never got an HTTP response (DNS, connect, TLS). */
function isTransportError(err: unknown): boolean {
  const e = err as { statusCode?: unknown; name?: string };
  return e?.name !== "AbortError" && typeof e?.statusCode !== "number";
}

/**
 * Whether a subscription in this state is scanned: every state but `Disabled` and `Deleted`.
 * `Warned` and `PastDue` subscriptions still run their resources (and their egress), so skipping
 * them would shrink the scope silently; a missing state is scanned too.
 */
export function isScannableState(state: string | undefined): boolean {
  const s = state?.toLowerCase();
  return s !== "disabled" && s !== "deleted";
}

/**
 * Lists the visible subscriptions and returns the ids to scan: the requested ones (a requested
 * subscription the credential cannot see is reported), or else every visible one in a scannable
 * state ({@link isScannableState}). Fills `snapshot.subscriptions`. A scope of no subscription at
 * all is an error (the report is then incomplete, never compliant), and so is each subscription
 * the previous complete scan covered that is not scanned now (`CollectOptions.expected`).
 */
export async function discoverSubscriptions(ctx: CollectionContext): Promise<string[]> {
  const { clients, options, snapshot } = ctx;
  ctx.progress("subscriptions", 0, 1);
  let visible: SubscriptionInfo[] | undefined;
  try {
    const subs = await drain(clients.subscriptions().subscriptions.list(ctx.signal));
    visible = subs.map((s) => ({
      subscriptionId: (s.subscriptionId ?? "").toLowerCase(),
      ...(s.displayName ? { displayName: s.displayName } : {}),
      ...(s.state ? { state: s.state } : {}),
    }));
  } catch (err) {
    if (isTransportError(err)) {
      const msg = (err as Error).message ?? String(err);
      const hint = /certificate|self.signed|CERT_|unable to verify/i.test(msg)
        ? " (an emulator's CA must be trusted: point NODE_EXTRA_CA_CERTS at the bundle `egress-audit emulator` prints)"
        : "";
      throw new EndpointUnreachableError(`cannot reach ARM endpoint ${clients.endpoint}: ${firstLine(msg)}${hint}`, { cause: err });
    }
    ctx.record(toReadError(err, "/subscriptions"));
  }
  const requested = options.subscriptionIds?.map((s) => s.toLowerCase()) ?? [];
  const subscriptionIds = requested.length
    ? requested
    : (visible ?? []).filter((s) => isScannableState(s.state)).map((s) => s.subscriptionId);
  for (const id of requested) {
    if (visible && !visible.some((v) => v.subscriptionId === id)) {
      ctx.record({ code: "SubscriptionNotVisible", message: `subscription ${id} is not visible to this credential`, scope: `/subscriptions/${id}` });
    }
  }
  if (subscriptionIds.length === 0) {
    const why = !visible
      ? "the subscription list could not be read"
      : visible.length === 0
        ? "the credential can list no subscription"
        : `none of the ${visible.length} visible subscription(s) is in a state that is scanned (all are Disabled or Deleted)`;
    ctx.record({ code: "SubscriptionNotScanned", message: `no subscription could be listed: ${why}; nothing was scanned`, scope: "/subscriptions" });
  }
  noteDroppedSubscriptions(ctx, subscriptionIds, visible);
  snapshot.subscriptions = subscriptionIds.map((id) => visible?.find((v) => v.subscriptionId === id) ?? { subscriptionId: id });
  ctx.progress("subscriptions", 1, 1);
  return subscriptionIds;
}

/**
 * Each subscription the previous complete scan covered and this scan does not is an error
 * `SubscriptionNotScanned` (its findings are then kept, stale), unless the list shows it
 * `Disabled` or `Deleted`: a subscription that was switched off left the scope on purpose.
 */
function noteDroppedSubscriptions(ctx: CollectionContext, subscriptionIds: readonly string[], visible: SubscriptionInfo[] | undefined): void {
  const scanned = new Set(subscriptionIds);
  for (const raw of ctx.options.expected?.subscriptionIds ?? []) {
    const id = raw.toLowerCase();
    if (scanned.has(id) || ctx.notScanned.has(id)) continue;
    const seen = visible?.find((v) => v.subscriptionId === id);
    if (seen && !isScannableState(seen.state)) continue;
    const why = !visible ? "the subscription list could not be read" : "it is no longer listed for this credential (access removed, moved or cancelled)";
    const error = { scope: `/subscriptions/${id}`, code: "SubscriptionNotScanned", message: `subscription ${id} was covered by the previous complete scan of this scope but is not scanned now: ${why}; its findings are kept, stale` };
    ctx.record(error);
    ctx.notScanned.set(id, error);
  }
}
