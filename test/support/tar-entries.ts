import tar from 'tar-stream';

/** One tar entry: its header as tar-stream reads and writes it, and its body (empty for non-files). */
export interface TarEntry {
  header: Parameters<tar.Pack['entry']>[0];
  body: Buffer;
}

/** Every entry of a tar held in memory (small test archives only). */
export async function readTar(bytes: Buffer): Promise<TarEntry[]> {
  const extract = tar.extract();
  const entries: TarEntry[] = [];
  const done = (async () => {
    for await (const e of extract) {
      const chunks: Buffer[] = [];
      for await (const c of e) chunks.push(c as Buffer);
      entries.push({ header: e.header, body: Buffer.concat(chunks) });
    }
  })();
  extract.end(bytes);
  await done;
  return entries;
}

/** A tar of exactly these entries, names written as given (no sanitising), so tests can make hostile ones. */
export async function packTar(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const ended = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  for (const e of entries) {
    if ((e.header.type ?? 'file') === 'file') pack.entry(e.header, e.body);
    else pack.entry(e.header);
  }
  pack.finalize();
  await ended;
  return Buffer.concat(chunks);
}
