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
 * Lists the visible subscriptions and returns the ids to scan: the requested ones (a requested
 * subscription the credential cannot see is reported), or else every enabled visible one. Fills
 * `snapshot.subscriptions`.
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
    : (visible ?? []).filter((s) => !s.state || s.state.toLowerCase() === "enabled").map((s) => s.subscriptionId);
  for (const id of requested) {
    if (visible && !visible.some((v) => v.subscriptionId === id)) {
      ctx.record({ code: "SubscriptionNotVisible", message: `subscription ${id} is not visible to this credential`, scope: `/subscriptions/${id}` });
    }
  }
  snapshot.subscriptions = subscriptionIds.map((id) => visible?.find((v) => v.subscriptionId === id) ?? { subscriptionId: id });
  ctx.progress("subscriptions", 1, 1);
  return subscriptionIds;
}
