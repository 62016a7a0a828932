/**
 * Reads a web stream into one buffer, chunk by chunk, and stops once more than `limitInBytes` have
 * arrived: the stream is cancelled (which closes its connection) and `onTooLarge()` is thrown.
 * Whatever a `Content-Length` header claims, at most the limit plus one chunk is ever held.
 */
export async function readAtMost(
  body: ReadableStream<Uint8Array> | null | undefined,
  limitInBytes: number,
  onTooLarge: () => Error,
): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limitInBytes) {
      await reader.cancel().catch(() => undefined);
      throw onTooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}
