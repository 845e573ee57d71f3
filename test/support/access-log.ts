/** One request as the registry logged it. */
export interface AccessEntry {
  method: string;
  /** Request path without the query string, as sent (not percent-decoded). */
  path: string;
  /** Query string without the leading `?`, or '' when there was none. */
  query: string;
  status: number;
  /** Response body size in bytes (0 when logged as `-`). */
  bytes: number;
  /** `HTTP/1.1` or `HTTP/2.0`. */
  protocol: string;
  userAgent: string;
  /** Timestamp as logged, e.g. `26/Nov/2026:18:08:40 +0000`. */
  time: string;
}

// distribution 2.8 writes an Apache "combined" line on stdout for every request, 401s included;
// its logrus "response completed" lines on stderr leave out requests refused by auth.
const COMBINED = /^(\S+) (\S+) (\S+) \[([^\]]+)\] "(\S+) (\S+) ([^"]+)" (\d{3}) (\d+|-)(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)")?\s*$/;

/** Parses one combined-format access-log line, or returns undefined for any other line. */
export function parseAccessLine(line: string): AccessEntry | undefined {
  const m = COMBINED.exec(line);
  if (!m) return undefined;
  const uri = m[6] ?? '';
  const q = uri.indexOf('?');
  return {
    method: m[5] ?? '',
    path: q < 0 ? uri : uri.slice(0, q),
    query: q < 0 ? '' : uri.slice(q + 1),
    status: Number(m[8]),
    bytes: m[9] === '-' ? 0 : Number(m[9]),
    protocol: m[7] ?? '',
    userAgent: m[11] ?? '',
    time: m[4] ?? '',
  };
}

/** Parses the registry's access-log output (stdout) into entries, skipping lines of other shapes. */
export function parseAccessLog(text: string): AccessEntry[] {
  const entries: AccessEntry[] = [];
  for (const line of text.split('\n')) {
    const e = parseAccessLine(line);
    if (e) entries.push(e);
  }
  return entries;
}
