import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isControlCode, terminalSafe } from '../../src/util/terminal-text.js';

test('terminalSafe escapes C0, DEL and C1 so no escape sequence or line break survives', () => {
  assert.equal(terminalSafe('\u001b[31mred\nx'), '\\u001b[31mred\\nx');
  assert.equal(terminalSafe('a\rb\tc\u0007\u0008\u007f\u009b2J\u0085'), 'a\\rb\\tc\\u0007\\u0008\\u007f\\u009b2J\\u0085');
  assert.equal(terminalSafe('\u001b]0;title\u0007'), '\\u001b]0;title\\u0007', 'an OSC (window title) sequence');
  assert.equal(terminalSafe('plain v1.2.3 ünïcødé ✓'), 'plain v1.2.3 ünïcødé ✓', 'printable text, Latin-1 letters and other Unicode stay');
});

test("keep 'lines' leaves newlines and tabs (a document of ours) and escapes the rest", () => {
  assert.equal(terminalSafe('{\n\t"a": "\u001b[2J"\n}', 'lines'), '{\n\t"a": "\\u001b[2J"\n}');
  assert.equal(terminalSafe('x\r\n', 'lines'), 'x\\r\n');
});

test('what terminalSafe makes of a JSON document is the same JSON value (C1 and DEL, which JSON.stringify leaves raw, included)', () => {
  const value = { tag: 'a\u009b31mb\u007f', esc: '\u001b[0m', line: 'x\ny' };
  const text = JSON.stringify(value, null, 2);
  assert.ok(text.includes('\u009b'), 'JSON.stringify leaves C1 raw');
  const safe = terminalSafe(text, 'lines');
  assert.ok(![...safe].some((c) => c !== '\n' && c !== '\t' && isControlCode(c.charCodeAt(0))));
  assert.deepEqual(JSON.parse(safe), value);
});
