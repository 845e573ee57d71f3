import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** The scheme a host answered in. */
export type Scheme = 'http' | 'https';

/** What the transport needs of a scheme memory. */
export interface SchemeStore {
  /** The scheme `host` answered in lately, or undefined. */
  recall(host: string): Promise<Scheme | undefined>;
  /** Notes that `host` answers in `scheme`. */
  remember(host: string, scheme: Scheme): Promise<void>;
  /** Drops what is known of `host` (it no longer answers as remembered). */
  forget(host: string): Promise<void>;
}

/** Options of {@link SchemeMemory}. */
export interface SchemeMemoryOptions {
  /** How long an entry is trusted, in milliseconds; default one day. */
  ttlMs?: number;
  /** The clock; default Date.now. */
  now?: () => number;
  /**
   * Write what is learnt to the file; default true. False for commands that must leave the cache
   * as it was (copy, tags, inspect --remote…): they use what is remembered, and learn for this run only.
   */
  write?: boolean;
}

interface Entry {
  scheme: Scheme;
  /** When it was learnt, ms since the epoch. */
  at: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Reads the file's entries; anything unreadable or malformed is an empty memory (it is only a cache). */
async function load(file: string): Promise<Map<string, Entry>> {
  const entries = new Map<string, Entry>();
  try {
    const doc = JSON.parse(await readFile(file, 'utf8')) as { hosts?: Record<string, Partial<Entry>> };
    for (const [host, e] of Object.entries(doc.hosts ?? {})) {
      if ((e?.scheme === 'http' || e?.scheme === 'https') && typeof e.at === 'number') entries.set(host, { scheme: e.scheme, at: e.at });
    }
  } catch {
    // missing, unreadable or damaged: start empty
  }
  return entries;
}

/**
 * Which scheme each loopback or insecure registry answered in, kept in a small JSON file of the
 * cache (`<cache>/.regctl/schemes.json`) so a run does not probe HTTPS on a port that answered
 * plain HTTP the last time (a failed TLS handshake and the system trust store cost ~20–30 ms of
 * every run). Entries expire after a day; the transport forgets one that proves wrong. The file is
 * written only where the cache directory already exists, without fsync: losing it costs one probe.
 */
export class SchemeMemory implements SchemeStore {
  private readonly file: string;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly write: boolean;
  private entries: Promise<Map<string, Entry>> | undefined;

  constructor(file: string, options: SchemeMemoryOptions = {}) {
    this.file = file;
    this.ttlMs = options.ttlMs ?? DAY_MS;
    this.now = options.now ?? Date.now;
    this.write = options.write ?? true;
  }

  private read(): Promise<Map<string, Entry>> {
    this.entries ??= load(this.file);
    return this.entries;
  }

  /** The scheme remembered for `host` while its entry is fresh. */
  async recall(host: string): Promise<Scheme | undefined> {
    const e = (await this.read()).get(host.toLowerCase());
    return e && this.now() - e.at < this.ttlMs && e.at <= this.now() ? e.scheme : undefined;
  }

  /** Remembers `scheme` for `host` (rewriting the file only when that changes what it says). */
  async remember(host: string, scheme: Scheme): Promise<void> {
    const entries = await this.read();
    const key = host.toLowerCase();
    if (entries.get(key)?.scheme === scheme && (await this.recall(key))) return;
    entries.set(key, { scheme, at: this.now() });
    await this.save(entries);
  }

  /** Forgets `host`. */
  async forget(host: string): Promise<void> {
    const entries = await this.read();
    if (entries.delete(host.toLowerCase())) await this.save(entries);
  }

  private async save(entries: Map<string, Entry>): Promise<void> {
    if (!this.write) return;
    const now = this.now();
    const hosts: Record<string, Entry> = {};
    for (const [host, e] of entries) if (now - e.at < this.ttlMs) hosts[host] = e;
    const dir = dirname(this.file);
    const tmp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      // Only inside an existing cache: a command that never made one (copy) does not create it for this.
      await mkdir(dir).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
      await writeFile(tmp, `${JSON.stringify({ hosts })}\n`);
      await rename(tmp, this.file);
    } catch {
      // A read-only or missing cache: the next run probes again.
      await unlink(tmp).catch(() => undefined);
    }
  }
}
