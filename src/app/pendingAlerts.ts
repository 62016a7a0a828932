/**
 * Alerts that did not reach Teams are not lost: the next runs of their scope send them again.
 *
 * When a post fails without reaching Teams (a 4xx, 429/5xx until the retries ran out, no
 * connection), the change it announced has already become the scope's known state when the scan
 * commits, so no later diff would show it again. Its alert row therefore stays `pending`, with the
 * message it claimed, and every later run of the same scope (timer, HTTP or a fan-out assembly)
 * sends the pending ones before its own alert, oldest first, each as the card it was, marked as
 * late. Decided so rather than merging them into the run's own card: each card stays a true
 * statement about the scan that found its change, with that scan's report link, and a change that
 * was announced new and has since resolved reads as two cards in order rather than as nothing.
 *
 * Never twice: a re-send first takes the row with If-Match on its ETag (two runs cannot both take
 * it), and the row keeps its fingerprint, so the run's own claim of the same change (a retried run
 * measuring it again) finds it and does not post. An `uncertain` outcome (a timeout or an abort
 * after the request left: it may have reached Teams) is never pending and never re-sent: sending
 * it again could duplicate it. Nor is a row left in `sending` (a run died mid-post).
 */
import type { AbortSignalLike } from "@azure/abort-controller";
import type { NotificationStatus } from "../model/scan.js";
import { lateMessage, parseStoredMessage } from "../notify/late.js";
import type { TeamsPostResult } from "../notify/teams.js";
import type { AppServices } from "./appServices.js";

/** Pending alerts one run re-sends at most; the rest wait for the next run. */
export const MAX_RESENDS_PER_RUN = 10;

/** How one re-send of a pending alert ended. */
export interface ResentAlert {
  fingerprint: string;
  /** The scan that found the change. */
  scanId: string;
  notification: NotificationStatus;
}

/** The notification status of a post: only `failed` stays pending. */
export function notificationOf(result: Pick<TeamsPostResult, "outcome">): NotificationStatus {
  return result.outcome === "sent" ? "sent" : result.outcome === "uncertain" ? "uncertain" : "failed";
}

/** Options of {@link resendPendingAlerts}. */
export interface ResendOptions {
  scopeKey: string;
  /** The scan of the run that re-sends (recorded on the row, named on the card). */
  scanId: string;
  abortSignal?: AbortSignalLike;
  log?: (message: string) => void;
}

/**
 * Sends the scope's pending alerts again, oldest first, at most {@link MAX_RESENDS_PER_RUN}. Stops
 * at the first post that shows the webhook still down (429/5xx, no connection) or that may have
 * arrived (uncertain); a 4xx concerns that one message, so the next is tried. The caller holds
 * the scope's lock; the If-Match take keeps a re-send single even without it.
 */
export async function resendPendingAlerts(services: AppServices, options: ResendOptions): Promise<ResentAlert[]> {
  const { history, notify } = services;
  if (!history || !notify) return [];
  const log = options.log ?? (() => undefined);
  const { scopeKey, scanId } = options;
  const pending = await history.pendingAlerts(scopeKey);
  if (pending.length === 0) return [];
  log(`${pending.length} alert(s) of scope ${scopeKey} did not reach Teams earlier; re-sending${pending.length > MAX_RESENDS_PER_RUN ? ` the oldest ${MAX_RESENDS_PER_RUN}` : ""}`);
  const out: ResentAlert[] = [];
  for (const alert of pending.slice(0, MAX_RESENDS_PER_RUN)) {
    if (options.abortSignal?.aborted) break;
    const message = parseStoredMessage(alert.messageJson);
    if (!message) {
      log(`pending alert ${alert.fingerprint} holds no readable message; left as it is`);
      continue;
    }
    if (!(await history.takePendingAlert(scopeKey, alert, scanId))) {
      log(`pending alert ${alert.fingerprint} was taken by another run; not sending it here`);
      continue;
    }
    const sent = await notify(lateMessage(message, { scanId: alert.scanId, reason: alert.detail, resentBy: scanId }), options.abortSignal ? { abortSignal: options.abortSignal } : {});
    const notification = notificationOf(sent);
    await history.finishAlert(scopeKey, alert.fingerprint, {
      state: notification,
      scanId: alert.scanId,
      attempts: sent.attempts,
      ...(sent.status !== undefined ? { httpStatus: sent.status } : {}),
      ...(sent.detail ? { detail: sent.detail } : {}),
      pending: notification === "failed",
      resentBy: scanId,
    });
    log(`pending alert of scan ${alert.scanId} re-sent: ${notification} after ${sent.attempts} attempt(s)${sent.detail ? ` (${sent.detail})` : ""}`);
    out.push({ fingerprint: alert.fingerprint, scanId: alert.scanId, notification });
    if (sent.outcome !== "sent" && sent.outcome !== "rejected") break;
  }
  return out;
}
