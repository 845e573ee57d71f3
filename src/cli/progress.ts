import type { Ora } from 'ora';
import type { CopyEvent, CopyListener } from '../content/types.js';
import type { Descriptor } from '../oci/descriptor.js';
import { isIndexMediaType, isManifestMediaType } from '../oci/media-types.js';
import { humanSize, shortId } from '../commands/format.js';
import type { CliOutput } from './runner.js';

/** Which words the display uses (docker's, per command). */
export type ProgressVerb = 'pull' | 'push' | 'copy';
/** --progress values. */
export type ProgressMode = 'auto' | 'tty' | 'plain' | 'json' | 'none';

const WORDS: Record<ProgressVerb, { start: string; active: string; done: string; skip: string }> = {
  pull: { start: 'Pulling fs layer', active: 'Downloading', done: 'Pull complete', skip: 'Already exists' },
  push: { start: 'Preparing', active: 'Pushing', done: 'Pushed', skip: 'Layer already exists' },
  copy: { start: 'Copying', active: 'Copying', done: 'Copied', skip: 'Already exists' },
};

/** What docker push says of a layer it leaves to its urls. */
const FOREIGN = 'Skipped foreign layer';

/** A progress display: a listener for copy events, status lines, and a stop() that clears any live output. */
export interface ProgressDisplay {
  listener: CopyListener | undefined;
  /** Shows one status line ("Pulling from …") in the display's own form. */
  status(line: string): void;
  stop(): void;
  /** Ends a `json` display with the command's `--json` document as a `{"event":"result",…}` line; other displays have none. */
  result?(doc: object): void;
}

function isLayerish(desc: Descriptor): boolean {
  return !isManifestMediaType(desc.mediaType) && !isIndexMediaType(desc.mediaType) && !/config|json/.test(desc.mediaType);
}

/**
 * Builds the stderr progress display: ora spinner with per-layer bytes and rate on a TTY,
 * plain docker-like lines elsewhere, one JSON event per line for `json`, nothing for `none`.
 */
export async function createProgress(mode: ProgressMode, verb: ProgressVerb, quiet: boolean, stream: CliOutput): Promise<ProgressDisplay> {
  // A terminal that reports no width (some pseudo-terminals) cannot host a live display.
  const live = Boolean(stream.isTTY) && (stream.columns ?? 0) > 0;
  const resolved = mode === 'auto' ? (live && !quiet ? 'tty' : quiet ? 'none' : 'plain') : mode === 'tty' && !live ? 'plain' : mode;
  const plainStatus = (line: string): void => void stream.write(`${line}\n`);
  if (resolved === 'none') return { listener: undefined, status: () => undefined, stop: () => undefined };
  if (resolved === 'json') {
    return {
      status: (line: string) => void stream.write(`${JSON.stringify({ event: 'status', message: line })}\n`),
      listener: (e: CopyEvent) =>
        stream.write(
          `${JSON.stringify({ event: e.type, digest: e.desc.digest, mediaType: e.desc.mediaType, size: e.desc.size, ...(e.type === 'progress' ? { bytes: e.bytes } : {}), ...(e.type === 'mount' ? { from: e.from } : {}) })}\n`,
        ),
      stop: () => undefined,
      result: (doc: object) => void stream.write(`${JSON.stringify({ event: 'result', ...doc })}\n`),
    };
  }
  const words = WORDS[verb];
  if (resolved === 'plain') {
    return {
      status: plainStatus,
      listener: (e: CopyEvent) => {
        if (!isLayerish(e.desc) || e.type === 'progress') return;
        const id = shortId(e.desc.digest);
        const text =
          e.type === 'start'
            ? words.start
            : e.type === 'done'
              ? words.done
              : e.type === 'skip'
                ? words.skip
                : e.type === 'foreign'
                  ? FOREIGN
                  : `Mounted from ${e.from}`;
        stream.write(`${id}: ${text}\n`);
      },
      stop: () => undefined,
    };
  }
  // ora is loaded only for a live display: plain, json and none runs never pay for it.
  const { default: ora } = await import('ora');
  return ttyProgress(ora({ stream, text: '' }), words, stream);
}

function ttyProgress(spinner: Ora, words: (typeof WORDS)[ProgressVerb], stream: CliOutput): ProgressDisplay {
  const rows = new Map<string, { size: number; bytes: number; state: string; started: number }>();
  spinner.start();
  const render = (): void => {
    const lines: string[] = [];
    for (const [digest, r] of rows) {
      const id = shortId(digest);
      if (r.state === 'active') {
        const secs = Math.max(0.001, (Date.now() - r.started) / 1000);
        lines.push(`${id}: ${words.active} ${humanSize(r.bytes)}/${humanSize(r.size)} ${humanSize(Math.round(r.bytes / secs))}/s`);
      } else {
        lines.push(`${id}: ${r.state}`);
      }
    }
    spinner.text = lines.join('\n');
  };
  const timer = setInterval(render, 100);
  timer.unref();
  return {
    status: (line: string) => {
      spinner.clear();
      stream.write(`${line}\n`);
      spinner.render();
    },
    listener: (e: CopyEvent) => {
      if (!isLayerish(e.desc)) return;
      const row = rows.get(e.desc.digest) ?? { size: e.desc.size, bytes: 0, state: words.start, started: Date.now() };
      rows.set(e.desc.digest, row);
      if (e.type === 'start') row.state = words.start;
      else if (e.type === 'progress') {
        if (row.state !== 'active') row.started = Date.now();
        row.state = 'active';
        row.bytes = e.bytes;
      } else if (e.type === 'done') row.state = words.done;
      else if (e.type === 'skip') row.state = words.skip;
      else if (e.type === 'foreign') row.state = FOREIGN;
      else row.state = `Mounted from ${e.from}`;
    },
    stop: () => {
      clearInterval(timer);
      render();
      if (rows.size) spinner.stopAndPersist({ symbol: '' });
      else spinner.stop();
    },
  };
}
