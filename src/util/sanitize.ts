/**
 * Text from outside (ARM names, tags and error messages, baseline reasons) made safe to show to
 * a person: the one sanitiser every renderer (table, Markdown, CSV, HTML, SARIF message texts),
 * the Teams card and the CLI's request lines use before their own format's escaping.
 *
 * Whoever can name or tag a resource controls these strings. Shown raw they can drive a terminal
 * (an ESC starts ANSI sequences: recolour, move the cursor, clear the screen, set the clipboard
 * with OSC 52), reorder what a reader sees (Unicode bidi overrides, the "Trojan Source" trick) or
 * forge lines (a CR or LF in a one-line field starts what looks like the next row or record).
 *
 * Decision: such characters are replaced by a visible escape, never removed and never kept, so
 * a reader sees that something was there and what it was (removing it could join two words
 * into a misleading one; U+FFFD would hide which character it was). The escapes are those of
 * JSON and JavaScript: `\t`, `\n`, `\r` and `\u` plus four lower-case hex digits, so the same
 * value reads the same as in the JSON report, and JSON text passed through here stays valid
 * JSON that parses to the exact original value. A value that already holds the text `\u001b`
 * shows the same as one that held ESC: both are inert, and the JSON report has the exact value.
 *
 * Replaced: C0 controls U+0000-U+001F (tab, LF and CR included), DEL U+007F, C1 controls
 * U+0080-U+009F (8-bit CSI U+009B and OSC U+009D among them, and NEL U+0085), the bidi controls
 * U+061C, U+200E, U+200F, U+202A-U+202E and U+2066-U+2069, the line and paragraph separators
 * U+2028 and U+2029, and lone surrogate halves (an encoder would silently turn them into U+FFFD).
 * Every other character, non-ASCII letters included, passes unchanged.
 */

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
// The same set without LF, for text whose line breaks are kept (CR and CRLF become LF first).
// eslint-disable-next-line no-control-regex
const UNSAFE_BUT_LF = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const UNSAFE_ANY = new RegExp(UNSAFE.source);

const SHORT: Readonly<Record<string, string>> = { "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/** The visible escape of one unsafe character: `\t`, `\n`, `\r` or `\uXXXX`. */
function visible(c: string): string {
  return SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/**
 * A one-line field (a name, an id, a message shown in a table cell, a CSV field, a terminal line):
 * every unsafe character, CR and LF included, becomes its visible escape, so the result holds no
 * line break and nothing a terminal, a bidi algorithm or a line-based reader would act on.
 */
export function safeLine(text: string): string {
  return text.replace(UNSAFE, visible);
}

/**
 * Text whose line breaks are meant (pretty-printed JSON in an HTML `<pre>`, our own prose):
 * CRLF and a lone CR become LF, LF is kept, every other unsafe character becomes its visible
 * escape. Never for a value from outside that is shown as one line (a name, an id, a message).
 */
export function safeLines(text: string): string {
  return text.replace(/\r\n?/g, "\n").replace(UNSAFE_BUT_LF, visible);
}

/** Whether a text holds any character {@link safeLine} replaces (for tests and assertions). */
export function hasUnsafeText(text: string): boolean {
  return UNSAFE_ANY.test(text);
}
