import type { Readable } from 'node:stream';
import { RegctlError } from '../errors.js';
import type { BlobDownloader, BlobIngest, DownloadOptions, Target } from '../content/types.js';
import type { Descriptor } from '../oci/descriptor.js';
import type { RegistryRepository } from './repository.js';
import type { PageHandler } from './tags.js';

/** What reads go through: one registry repository, or its mirrors then itself. */
export type RegistrySource = RegistryRepository | MirroredRepository;

/**
 * Reads through mirrors first, then the upstream (SPEC §5, docker's registry-mirrors): the first
 * candidate that resolves the reference serves the rest of the read (pull, copy's source, inspect
 * --remote); a blob a mirror lacks is read from the next candidate; digest and tags ask the same
 * way. Writes go to the upstream only. The upstream is not contacted while a mirror answers.
 */
export class MirroredRepository implements Target, BlobDownloader {
  private readonly candidates: RegistryRepository[];
  private chosen: RegistryRepository | undefined;
  private readonly onFallback: ((from: string, err: RegctlError) => void) | undefined;

  constructor(candidates: RegistryRepository[], onFallback?: (from: string, err: RegctlError) => void) {
    if (candidates.length === 0) throw new RegctlError('internal', 'MirroredRepository needs at least one candidate');
    this.candidates = candidates;
    this.onFallback = onFallback;
  }

  private get upstream(): RegistryRepository {
    return this.candidates[this.candidates.length - 1] as RegistryRepository;
  }

  /** The repository that answered resolve (or the upstream before that). */
  get active(): RegistryRepository {
    return this.chosen ?? this.upstream;
  }

  private async tryEach<T>(fn: (repo: RegistryRepository) => Promise<T>, order: RegistryRepository[], mayFallBack: () => boolean = () => true): Promise<T> {
    let last: unknown;
    for (const repo of order) {
      try {
        const result = await fn(repo);
        return result;
      } catch (err) {
        if (!(err instanceof RegctlError) || err.kind === 'usage' || err.kind === 'internal' || repo === order[order.length - 1] || !mayFallBack()) throw err;
        this.onFallback?.(repo.client.host, err);
        last = err;
      }
    }
    throw last;
  }

  /** Runs a manifest lookup on each candidate in turn; the one that answers serves the rest of the read. */
  private choose(lookup: (repo: RegistryRepository) => Promise<Descriptor>): Promise<Descriptor> {
    return this.tryEach(async (repo) => {
      const desc = await lookup(repo);
      this.chosen = repo;
      return desc;
    }, this.candidates);
  }

  /** Resolves on the first candidate that knows the reference. */
  resolve(reference: string): Promise<Descriptor> {
    return this.choose((repo) => repo.resolve(reference));
  }

  /** The descriptor a tag or digest names, by HEAD, from the first candidate that knows it. */
  head(reference: string): Promise<Descriptor> {
    return this.choose((repo) => repo.head(reference));
  }

  /** The tags of the first candidate that lists the repository. */
  tags(pageSize?: number): Promise<string[]> {
    return this.tryEach((repo) => repo.tags(pageSize), this.candidates);
  }

  /**
   * The tags page by page from the first candidate that lists the repository. Once a page was
   * handed on, a failure is final: falling back to the next source would hand the same tags again.
   */
  tagPages(pageSize: number | undefined, onPage: PageHandler): Promise<void> {
    let started = false;
    return this.tryEach(
      (repo) =>
        repo.tagPages(pageSize, (page) => {
          started = true;
          return onPage(page);
        }),
      this.candidates,
      () => !started,
    );
  }

  /** Fetches from the chosen candidate, then the others. */
  fetch(desc: Descriptor): Promise<Readable> {
    const order = [this.active, ...this.candidates.filter((c) => c !== this.active)];
    return this.tryEach((repo) => repo.fetch(desc), order);
  }

  /**
   * Downloads from the chosen candidate, then the others; the next one continues from the bytes held,
   * unless the failing one sent bad bytes (then it starts again from 0).
   */
  download(desc: Descriptor, ingest: BlobIngest, options?: DownloadOptions): Promise<void> {
    const order = [this.active, ...this.candidates.filter((c) => c !== this.active)];
    return this.tryEach(async (repo) => {
      try {
        await repo.download(desc, ingest, options);
      } catch (err) {
        if (err instanceof RegctlError && err.kind === 'integrity') ingest.restart();
        throw err;
      }
    }, order);
  }

  /** Asks the upstream. */
  exists(desc: Descriptor): Promise<boolean> {
    return this.upstream.exists(desc);
  }

  /** Pushes to the upstream. */
  push(desc: Descriptor, content: Readable): Promise<void> {
    return this.upstream.push(desc, content);
  }

  /** Tags on the upstream. */
  tag(desc: Descriptor, reference: string): Promise<void> {
    return this.upstream.tag(desc, reference);
  }
}
