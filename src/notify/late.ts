/**
 * The message of an alert sent late: the card as it was built when its scan found the change,
 * with one line under the title saying that it comes late and why. The card keeps its facts and
 * its report link: it still describes the scan that found the change, not the run that re-sends it.
 */
import { escapeCardText, type AdaptiveCard, type TeamsMessage } from "./card.js";

/** Facts of a late delivery, for the note on the card. */
export interface LateDelivery {
  /** The scan that found the change. */
  scanId: string;
  /** What the last failed post said (`HTTP 503`); may be empty. */
  reason: string;
  /** The scan whose run re-sends it. */
  resentBy: string;
}

/** A copy of `message` with the late note as the card's second block (after the title). */
export function lateMessage(message: TeamsMessage, late: LateDelivery): TeamsMessage {
  const attachment = message.attachments[0];
  const content: AdaptiveCard = attachment.content;
  const why = late.reason ? ` (${escapeCardText(late.reason)})` : "";
  const note = {
    type: "TextBlock" as const,
    text: `Sent late: Teams did not accept this alert when scan ${escapeCardText(late.scanId)} found the change${why}; re-sent by scan ${escapeCardText(late.resentBy)}.`,
    wrap: true as const,
    color: "warning" as const,
    spacing: "small" as const,
  };
  const [title, ...rest] = content.body;
  const body = title ? [title, note, ...rest] : [note];
  return { ...message, attachments: [{ ...attachment, content: { ...content, body } }] };
}

/**
 * Parses a stored message back; undefined when the text is not a Workflows message with one
 * Adaptive Card (a row written by something else: never posted blindly).
 */
export function parseStoredMessage(json: string): TeamsMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  const m = value as Partial<TeamsMessage> | null;
  const content = m?.attachments?.[0]?.content as Partial<AdaptiveCard> | undefined;
  if (m?.type !== "message" || m.attachments?.length !== 1 || content?.type !== "AdaptiveCard" || !Array.isArray(content.body)) return undefined;
  return m as TeamsMessage;
}
