import type { Command } from 'commander';
import { byteSize } from './option-parsers.js';

/** Upload options shared by push, copy, manifest push and manifest create --push, as commander parses them. */
export interface UploadFlags {
  chunkedAbove?: number;
  chunkSize?: number;
}

/** Adds `--chunked-above` and `--chunk-size` to `cmd`; `when` prefixes their help (e.g. "with --push: "). */
export function addUploadOptions(cmd: Command, when = ''): Command {
  return cmd
    .option('--chunked-above <size>', `${when}upload blobs larger than SIZE in chunks (default: never)`, byteSize)
    .option('--chunk-size <size>', `${when}bytes per chunk for chunked uploads (default 16MiB)`, byteSize);
}

/** The upload fields of a command's options: only those given. */
export function uploadFlags(opts: UploadFlags): UploadFlags {
  return {
    ...(opts.chunkedAbove !== undefined ? { chunkedAbove: opts.chunkedAbove } : {}),
    ...(opts.chunkSize !== undefined ? { chunkSize: opts.chunkSize } : {}),
  };
}
