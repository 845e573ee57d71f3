/**
 * Lets a response body go unread: its bytes are thrown away as they arrive, so the connection can
 * serve the next request, and a late error on it (a reset after the status line) is ignored.
 */
export function discard(res: { body: NodeJS.ReadableStream }): void {
  res.body.on('error', () => undefined);
  res.body.resume();
}
