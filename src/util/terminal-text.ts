/** How a control character is shown: its usual escape, else `\uXXXX` (both also valid inside a JSON string). */
const NAMED: Readonly<Record<number, string>> = { 10: '\\n', 13: '\\r', 9: '\\t' };

/**
 * True for a character a terminal acts on: C0 (0x00–0x1F), DEL (0x7F) or C1 (0x80–0x9F, where 0x9B
 * is CSI on terminals that read 8-bit controls).
 */
export function isControlCode(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

function shown(code: number): string {
  return NAMED[code] ?? `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Text from outside (a registry, an archive, a config file) made safe to print on a terminal:
 * control characters become visible escapes (`\u001b[31m`, `\n`), which are also valid inside a
 * JSON string, so a JSON document stays the same document. Escaping the ESC that starts a sequence
 * leaves its tail as plain text, so no escape sequence survives. `keep: 'lines'` leaves newlines
 * and tabs (a whole multi-line document of ours); the default escapes them too (one line, one
 * cell, one name).
 */
export function terminalSafe(text: string, keep: 'lines' | 'none' = 'none'): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!isControlCode(code) || (keep === 'lines' && (code === 0x0a || code === 0x09))) continue;
    out += text.slice(from, i) + shown(code);
    from = i + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}
