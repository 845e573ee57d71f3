import assert from 'node:assert/strict';

/**
 * Fails when a CLI run printed regctl's "internal error … please report it" line: every input the
 * reliability tests give (a full disk, a hostile server, a bad flag) must get its own message.
 */
export function assertNoInternalError(r: { stderr: string }): void {
  assert.ok(!/internal error/i.test(r.stderr) && !/please report it/.test(r.stderr), `a path printed "internal error":\n${r.stderr}`);
}
