/** One authentication challenge from a WWW-Authenticate header. */
export interface Challenge {
  /** The scheme in lower case: "basic", "bearer"… */
  scheme: string;
  /** Parameters with lower-case names and unquoted values. */
  params: Record<string, string>;
  /** A token68 value (e.g. "Negotiate abc=="), when the challenge carries one instead of parameters. */
  token68?: string;
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68_CHAR = /[-._~+/0-9A-Za-z]/;

/**
 * Parses a WWW-Authenticate value (RFC 9110 §11.6.1): several challenges may share one header,
 * quoted values may contain commas and escaped quotes, scheme and parameter names are case-insensitive.
 */
export function parseChallenges(header: string): Challenge[] {
  const s = header;
  let i = 0;
  const out: Challenge[] = [];
  const ws = (): void => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  };
  const sep = (): void => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === ',')) i++;
  };
  const token = (re = TOKEN_CHAR): string => {
    const start = i;
    while (i < s.length && re.test(s[i]!)) i++;
    return s.slice(start, i);
  };
  const quoted = (): string => {
    let v = '';
    i++; // opening quote
    while (i < s.length && s[i] !== '"') {
      if (s[i] === '\\' && i + 1 < s.length) i++;
      v += s[i];
      i++;
    }
    i++; // closing quote (or end)
    return v;
  };
  // True when position i starts "name =" (a parameter) rather than a new challenge's scheme.
  const atParam = (): boolean => {
    const save = i;
    const name = token();
    ws();
    const isParam = name.length > 0 && s[i] === '=' && !/^=+\s*(,|$)/.test(s.slice(i));
    i = save;
    return isParam;
  };

  sep();
  while (i < s.length) {
    const scheme = token();
    if (!scheme) {
      i++; // skip a stray character
      sep();
      continue;
    }
    const ch: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(ch);
    ws();
    if (i < s.length && s[i] !== ',' && !atParam()) {
      const save = i;
      const t68 = token(TOKEN68_CHAR);
      let end = i;
      while (end < s.length && s[end] === '=') end++;
      const rest = s.slice(end).trimStart();
      if (t68 && (rest === '' || rest.startsWith(','))) {
        ch.token68 = s.slice(save, end);
        i = end;
      } else {
        i = save;
      }
    }
    // Parameters until something that is not "name=".
    for (;;) {
      sep();
      if (i >= s.length || !atParam()) break;
      const name = token().toLowerCase();
      ws();
      i++; // '='
      ws();
      const value = s[i] === '"' ? quoted() : token();
      ch.params[name] = value;
    }
  }
  return out;
}

/** The first challenge with the given scheme, if any. */
export function findChallenge(challenges: readonly Challenge[], scheme: string): Challenge | undefined {
  return challenges.find((c) => c.scheme === scheme.toLowerCase());
}
