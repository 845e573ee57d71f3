import assert from 'node:assert/strict';
import { runCli, type CliOptions, type CliResult } from './cli.js';

/**
 * Fails when a CLI run printed regctl's "internal error … please report it" line: every input the
 * reliability tests give (a full disk, a hostile server, a bad flag) must get its own message.
 */
export function assertNoInternalError(r: { stderr: string }): void {
  assert.ok(!/internal error/i.test(r.stderr) && !/please report it/.test(r.stderr), `a path printed "internal error":\n${r.stderr}`);
}

/** Runs bin/regctl (see {@link runCli}) and fails the test if it printed "internal error", whatever else it did. */
export async function runReliably(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const r = await runCli(args, options);
  assertNoInternalError(r);
  return r;
}
