/** The first line of a text, cut to `max` characters (messages of thrown errors can be pages long). */
export function firstLine(text: string, max = 500): string {
  const line = text.split("\n")[0] ?? text;
  return line.length > max ? `${line.slice(0, max - 3)}...` : line;
}
