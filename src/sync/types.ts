import type { Readable } from 'node:stream';
import type { CopyResult } from '../content/copy.js';
import type { CopyListener, Target } from '../content/types.js';
import type { ErrorKind } from '../errors.js';
import type { Descriptor, Platform } from '../oci/descriptor.js';
import type { Location } from '../ref/location.js';
import type { Reference } from '../ref/reference.js';
import type { RateGate } from './rate-gate.js';
import type { TagRules } from './tag-filter.js';

/** One entry of a sync file (or the command line's SRC DST), checked and normalized. */
export interface SyncItem {
  /** A repository (no tag, no digest: every tag the rules take) or one image. */
  source: Reference;
  /** A repository (each tag keeps its name), an image reference (one image), or `oci:DIR[:REF]`. */
  target: Location;
  /** Tag rules for a repository source; undefined takes every tag. */
  tags?: TagRules;
  /** Platforms to keep from a multi-platform index (a filtered index, new digest); empty keeps all. */
  platforms: Platform[];
  /** Also copy what refers to each image (signatures, SBOMs); see SyncRunOptions.copyReferrers. */
  referrers: boolean;
  /** Blobs of one image in parallel; undefined uses the session's --concurrency. */
  concurrency?: number;
  /** Where the item was written, for messages: `mirror.yaml:12`, or `the command line`. */
  origin: string;
}

/** One image to bring in step: an item with its tag chosen. */
export interface SyncTask {
  item: SyncItem;
  /** The image at the source, with a tag (or only a digest). */
  source: Reference;
  /** Where it goes, with the name it gets there: a tag, or none for a digest-only copy. */
  target: Location;
  /** The name the image gets at the target (the tag, or oci's ref name); undefined for a digest-only copy. */
  name?: string;
  /** The full name recorded as `io.containerd.image.name` in an `oci:` target. */
  imageName?: string;
}

/** A source repository as sync reads it: a Target with HEAD and tag listing. */
export interface SyncSource {
  target: Target;
  /** The manifest a tag or digest names, by HEAD where the registry allows (no pull counted). */
  head(reference: string): Promise<Descriptor>;
  /** Every tag of the repository. */
  tags(): Promise<string[]>;
  /** The host that answers reads (a mirror's, once one answered): the key of its pull limit. */
  host(): string;
}

/** The target end of one task. */
export interface SyncTargetEnd {
  /** The Target to copy into (a dry run never opens it, so nothing is created). */
  open(): Promise<Target>;
  /** The digest the task's name (or, digest-only, the digest itself) has at the target; undefined when absent. */
  current(desc: Descriptor): Promise<string | undefined>;
  /** Gives the copied root its name there (a tag PUT, or an `oci:` index entry); nothing for a digest-only copy. */
  name(desc: Descriptor): Promise<void>;
}

/** Opens the two ends of a task; commands/sync.ts builds it from the session. */
export interface SyncEnds {
  /** A fresh read end per call, so nothing of one tag (manifest bytes) outlives its task. */
  source(ref: Reference): SyncSource;
  /**
   * The write end of a task. `write` false (a dry run) creates nothing; `reopen` reads a blob again
   * from the source (for a registry that refuses a streamed upload).
   */
  target(task: SyncTask, options: { write: boolean; reopen: (desc: Descriptor) => Promise<Readable> }): Promise<SyncTargetEnd>;
}

/** What happened to one image. */
export type SyncStatus = 'copied' | 'up-to-date' | 'would-copy' | 'skipped' | 'failed';

/** The report line of one image (an element of `--json`'s `results`). */
export interface SyncResult {
  /** Position in this run's plan (after --shard), 0-based; results arrive in completion order. */
  index: number;
  /** The source image (or repository, when listing its tags failed). */
  source: string;
  target: string;
  status: SyncStatus;
  /** The digest now named at the target (copied, up to date) or that would be copied (dry run). */
  digest?: string;
  /** The source's manifest digest, when it differs from `digest` (a platform-filtered index). */
  sourceDigest?: string;
  /** Blobs moved, already present, mounted; bytes moved (copied only). */
  blobs?: { copied: number; skipped: number; mounted: number };
  bytes?: number;
  /** Why it was skipped or failed. */
  reason?: string;
  /** A failure's kind and the exit code it would have alone (SPEC §4). */
  kind?: ErrorKind;
  exitCode?: number;
  /** Wall time spent on this image. */
  seconds: number;
}

/** Totals of a run (`--json`'s `totals`). */
export interface SyncTotals {
  images: number;
  copied: number;
  upToDate: number;
  wouldCopy: number;
  skipped: number;
  failed: number;
  /** Failures that were all authentication or authorization refusals (exit 4 instead of 1). */
  authFailures: number;
  bytes: number;
  blobs: { copied: number; skipped: number; mounted: number };
  seconds: number;
}

/** What a run reports as it goes (progress is data; cli/ renders it). */
export type SyncEvent =
  | { type: 'start'; index: number; source: string; target: string }
  | { type: 'result'; result: SyncResult }
  /** The plan is fully expanded: `total` images in this run. */
  | { type: 'planned'; total: number };

/** Copies the referrers of a copied image (the target unwrapped: referrers are found by the backend's kind). */
export type ReferrersCopy = (task: SyncTask, source: Target, target: Target, copied: CopyResult) => Promise<void>;

/** Options of runSync(). */
export interface SyncRunOptions {
  /** Images in parallel; default 4. */
  jobs?: number;
  /** Blobs of one image in parallel when the item sets none; default 4. */
  concurrency?: number;
  /** Connections (requests in flight) per registry host, to fit transfers within one registry in; default unlimited. */
  connections?: number;
  /** Look, report what would be copied, write nothing. */
  dryRun?: boolean;
  /** This run's share: the images whose 0-based plan position p has p % count === index - 1. */
  shard?: { index: number; count: number };
  /** Pull budget per source host (Docker Hub's ratelimit-remaining); no limit when absent. */
  gate?: RateGate;
  /** Receives start/result/planned events. */
  onEvent?: (event: SyncEvent) => void;
  /** Receives blob events of every image's copy. */
  listener?: CopyListener;
  /** Called for items with `referrers: true` after their image is copied; absent: referrers are not copied. */
  copyReferrers?: ReferrersCopy;
  /** Clock in ms; default Date.now. */
  now?: () => number;
}
