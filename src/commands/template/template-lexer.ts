import { TemplateError } from './template-values.js';

/** Kinds of token in a Go text/template (text/template/parse/lex.go, the subset regctl reads). */
export type TokenKind =
  | 'text'
  | 'left'
  | 'right'
  | 'space'
  | 'ident'
  | 'keyword'
  | 'field'
  | 'variable'
  | 'dot'
  | 'string'
  | 'number'
  | 'bool'
  | 'nil'
  | 'pipe'
  | 'lparen'
  | 'rparen'
  | 'declare'
  | 'assign'
  | 'comma'
  | 'eof';

/** One token; `pos` is its offset in the template, for error messages. */
export interface Token {
  kind: TokenKind;
  value: string;
  pos: number;
}

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue']);
const SPACE = /[ \t\r\n]/;
const IDENT = /[A-Za-z0-9_]/;

/** Splits a template into text and action tokens; trim markers (`{{- `, ` -}}`) and comments are applied here. */
export function lex(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let trimNext = false;
  const fail = (pos: number, message: string): never => {
    throw new TemplateError(source, pos, message);
  };
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    let text = source.slice(i, open < 0 ? source.length : open);
    const trimBefore = open >= 0 && source[open + 2] === '-' && SPACE.test(source[open + 3] ?? '');
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
    if (trimBefore) text = text.replace(/[ \t\r\n]+$/, '');
    trimNext = false;
    if (text) tokens.push({ kind: 'text', value: text, pos: i });
    if (open < 0) break;
    let p = open + (trimBefore ? 3 : 2);
    // A comment is a whole action: {{/* … */}}.
    const afterSpace = trimBefore ? p + 1 : p;
    if (source.startsWith('/*', afterSpace)) {
      const close = source.indexOf('*/', afterSpace + 2);
      if (close < 0) fail(open, 'unclosed comment');
      let q = close + 2;
      if (source.startsWith(' -}}', q)) {
        trimNext = true;
        q += 4;
      } else if (source.startsWith('}}', q)) q += 2;
      else fail(close, 'comment ends before closing delimiter');
      i = q;
      continue;
    }
    tokens.push({ kind: 'left', value: '{{', pos: open });
    p = lexAction(source, p, tokens, fail);
    trimNext = tokens[tokens.length - 1]?.value === '-}}';
    i = p;
  }
  tokens.push({ kind: 'eof', value: '', pos: source.length });
  return tokens;
}

/** Lexes the inside of one action from `p`; returns the offset after its closing `}}`. */
function lexAction(source: string, start: number, tokens: Token[], fail: (pos: number, message: string) => never): number {
  let p = start;
  let depth = 0;
  for (;;) {
    if (p >= source.length) fail(start - 2, 'unclosed action');
    const c = source[p] as string;
    if (SPACE.test(c)) {
      const s = p;
      while (p < source.length && SPACE.test(source[p] as string)) p++;
      if (source.startsWith('-}}', p)) {
        tokens.push({ kind: 'right', value: '-}}', pos: p });
        return p + 3;
      }
      tokens.push({ kind: 'space', value: source.slice(s, p), pos: s });
      continue;
    }
    if (source.startsWith('}}', p)) {
      if (depth > 0) fail(p, 'unclosed left paren');
      tokens.push({ kind: 'right', value: '}}', pos: p });
      return p + 2;
    }
    const s = p;
    if (c === '|') tokens.push({ kind: 'pipe', value: c, pos: p++ });
    else if (c === ',') tokens.push({ kind: 'comma', value: c, pos: p++ });
    else if (c === '(') {
      depth++;
      tokens.push({ kind: 'lparen', value: c, pos: p++ });
    } else if (c === ')') {
      if (--depth < 0) fail(p, 'unexpected right paren');
      tokens.push({ kind: 'rparen', value: c, pos: p++ });
    } else if (source.startsWith(':=', p)) {
      tokens.push({ kind: 'declare', value: ':=', pos: p });
      p += 2;
    } else if (c === '=') tokens.push({ kind: 'assign', value: c, pos: p++ });
    else if (c === '"') {
      p++;
      while (p < source.length && source[p] !== '"') {
        if (source[p] === '\\') p++;
        if (source[p] === '\n') fail(s, 'unterminated quoted string');
        p++;
      }
      if (p >= source.length) fail(s, 'unterminated quoted string');
      tokens.push({ kind: 'string', value: unquote(source.slice(s, ++p), () => fail(s, 'invalid escape in quoted string')), pos: s });
    } else if (c === '`') {
      const close = source.indexOf('`', p + 1);
      if (close < 0) fail(s, 'unterminated raw quoted string');
      tokens.push({ kind: 'string', value: source.slice(p + 1, close), pos: s });
      p = close + 1;
    } else if (c === '$' || c === '.') {
      p++;
      while (p < source.length && IDENT.test(source[p] as string)) p++;
      const word = source.slice(s, p);
      if (c === '.' && word === '.') tokens.push({ kind: /[0-9]/.test(source[p] ?? '') ? 'number' : 'dot', value: word, pos: s });
      else tokens.push({ kind: c === '$' ? 'variable' : 'field', value: word, pos: s });
    } else if (/[0-9+-]/.test(c)) {
      const m = /^[+-]?(?:0[xX][0-9a-fA-F_]+|[0-9_]*\.?[0-9_]+(?:[eE][+-]?[0-9]+)?)/.exec(source.slice(p));
      if (!m || m[0] === '' || /^[+-]$/.test(m[0])) fail(p, `unexpected "${c}" in command`);
      tokens.push({ kind: 'number', value: (m as RegExpExecArray)[0], pos: s });
      p += (m as RegExpExecArray)[0].length;
    } else if (IDENT.test(c)) {
      while (p < source.length && IDENT.test(source[p] as string)) p++;
      const word = source.slice(s, p);
      const kind: TokenKind = KEYWORDS.has(word) ? 'keyword' : word === 'true' || word === 'false' ? 'bool' : word === 'nil' ? 'nil' : 'ident';
      tokens.push({ kind, value: word, pos: s });
    } else {
      fail(p, `unexpected "${c}" in command`);
    }
  }
}

/** Decodes a Go interpreted string literal (`\n`, `\t`, `\"`, `\\`, `\xHH`, `\uHHHH`). */
function unquote(literal: string, bad: () => never): string {
  try {
    // JSON's escapes are a subset of Go's; \x and \' are translated first.
    const json = literal
      .slice(1, -1)
      .replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1')
      .replace(/\\'/g, "'")
      .replace(/\\a/g, '\\u0007')
      .replace(/\\v/g, '\\u000b');
    return JSON.parse(`"${json}"`) as string;
  } catch {
    return bad();
  }
}
