import { GoMap, GoNil, MISSING, printValue, toJson, truthy, typeName } from './template-values.js';

/** A template function: evaluated arguments in, a value out; throw an Error to fail the template. */
export type TemplateFunction = (...args: unknown[]) => unknown;

function str(value: unknown, fn: string): string {
  if (typeof value !== 'string') throw new Error(`${fn}: expected a string, got ${typeName(value)}`);
  return value;
}

function int(value: unknown, fn: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new Error(`${fn}: expected an integer, got ${typeName(value)}`);
  return value;
}

function listOf(value: unknown, fn: string): readonly unknown[] {
  if (value instanceof GoNil) return [];
  if (!Array.isArray(value)) throw new Error(`${fn}: expected a list, got ${typeName(value)}`);
  return value;
}

function basic(value: unknown): string | number | boolean | null {
  if (value === MISSING || value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  throw new Error(`incompatible types for comparison: ${typeName(value)}`);
}

function compare(fn: string, a: unknown, b: unknown): number {
  const x = basic(a);
  const y = basic(b);
  if (typeof x !== typeof y || x === null || y === null || typeof x === 'boolean') throw new Error(`${fn}: incompatible types for comparison`);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Go's fmt verbs regctl supports in printf: %v %s %d %q %t %x %X %f %e %g %%, with flags, width and precision. */
export function sprintf(format: string, ...args: unknown[]): string {
  let n = 0;
  return (
    format.replace(/%([-+# 0]*)(\d+)?(?:\.(\d+))?([vsdqtxXfeg%])/g, (_m, flags: string, width: string | undefined, prec: string | undefined, verb: string) => {
      if (verb === '%') return '%';
      if (n >= args.length) return `%!${verb}(MISSING)`;
      const arg = args[n++];
      let text: string;
      switch (verb) {
        case 'd':
          text = typeof arg === 'number' ? String(Math.trunc(arg)) : `%!d(${typeName(arg)}=${printValue(arg)})`;
          if (flags.includes('+') && typeof arg === 'number' && arg >= 0) text = `+${text}`;
          break;
        case 'q':
          text = JSON.stringify(typeof arg === 'string' ? arg : printValue(arg));
          break;
        case 'x':
        case 'X':
          text = typeof arg === 'number' ? Math.trunc(arg).toString(16) : Buffer.from(printValue(arg)).toString('hex');
          if (verb === 'X') text = text.toUpperCase();
          break;
        case 'f':
        case 'e':
        case 'g':
          if (typeof arg !== 'number') text = `%!${verb}(${typeName(arg)}=${printValue(arg)})`;
          else if (verb === 'f') text = arg.toFixed(prec !== undefined ? Number(prec) : 6);
          else if (verb === 'e') text = arg.toExponential(prec !== undefined ? Number(prec) : 6).replace(/e([+-])(\d)$/, 'e$10$2');
          else text = prec !== undefined ? String(Number(arg.toPrecision(Number(prec)))) : String(arg);
          break;
        default:
          text = printValue(arg);
          if (verb === 's' && prec !== undefined) text = [...text].slice(0, Number(prec)).join('');
      }
      const w = width ? Number(width) : 0;
      const len = [...text].length;
      if (len >= w) return text;
      if (flags.includes('-')) return text + ' '.repeat(w - len);
      return (flags.includes('0') && /[dxXfeg]/.test(verb) ? '0' : ' ').repeat(w - len) + text;
    }) +
    (n < args.length
      ? `%!(EXTRA ${args
          .slice(n)
          .map((a) => `${typeName(a)}=${printValue(a)}`)
          .join(', ')})`
      : '')
  );
}

/** Go's `index`: `index .List 0`, `index .Map "key"` (a missing key gives ""), nested with more keys. */
function index(value: unknown, ...keys: unknown[]): unknown {
  let cur = value;
  for (const key of keys) {
    if (cur instanceof GoNil) cur = cur.printed === '[]' ? [] : new GoMap({});
    if (Array.isArray(cur) || typeof cur === 'string') {
      const i = int(key, 'index');
      if (i < 0 || i >= cur.length) throw new Error(`index: index out of range: ${i}`);
      cur = typeof cur === 'string' ? cur.charCodeAt(i) : cur[i];
    } else if (cur instanceof GoMap) {
      cur = cur.entries.has(str(key, 'index')) ? cur.entries.get(key as string) : '';
    } else {
      throw new Error(`index: can't index item of type ${typeName(cur)}`);
    }
  }
  return cur;
}

function len(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (value instanceof GoNil) return 0;
  if (Array.isArray(value)) return value.length;
  if (value instanceof GoMap) return value.entries.size;
  throw new Error(`len: len of type ${typeName(value)}`);
}

function printArgs(args: unknown[]): string {
  // Go's Sprint puts a space between operands when neither is a string.
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += printValue(a);
  });
  return out;
}

/** Go text/template's built-in functions (`and` and `or` are evaluated lazily by the executor). */
const BUILTINS: Record<string, TemplateFunction> = {
  not: (v) => !truthy(v),
  len,
  index,
  print: (...a) => printArgs(a),
  println: (...a) => `${a.map(printValue).join(' ')}\n`,
  printf: (f, ...a) => sprintf(str(f, 'printf'), ...a),
  eq: (a, ...bs) => {
    if (bs.length === 0) throw new Error('eq: missing argument for comparison');
    return bs.some((b) => basic(a) === basic(b));
  },
  ne: (a, b) => basic(a) !== basic(b),
  lt: (a, b) => compare('lt', a, b) < 0,
  le: (a, b) => compare('le', a, b) <= 0,
  gt: (a, b) => compare('gt', a, b) > 0,
  ge: (a, b) => compare('ge', a, b) >= 0,
};

/** docker's additions (cli/templates): json, join, split, title, lower, upper, pad, truncate. */
const DOCKER: Record<string, TemplateFunction> = {
  json: (v) => toJson(v),
  join: (list, sep) =>
    listOf(list, 'join')
      .map((e) => printValue(e))
      .join(str(sep, 'join')),
  split: (s, sep) => str(s, 'split').split(str(sep, 'split')),
  title: (s) => str(s, 'title').replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_m, a: string, b: string) => a + b.toUpperCase()),
  lower: (s) => str(s, 'lower').toLowerCase(),
  upper: (s) => str(s, 'upper').toUpperCase(),
  pad: (s, before, after) => `${' '.repeat(int(before, 'pad'))}${str(s, 'pad')}${' '.repeat(int(after, 'pad'))}`,
  truncate: (s, n) => [...str(s, 'truncate')].slice(0, int(n, 'truncate')).join(''),
};

/** Every function a --format template may call, for rows. */
export const TEMPLATE_FUNCTIONS: Readonly<Record<string, TemplateFunction>> = { ...BUILTINS, ...DOCKER };

/** The names the parser accepts (the executor handles `and` and `or` itself). */
export const FUNCTION_NAMES: ReadonlySet<string> = new Set([...Object.keys(TEMPLATE_FUNCTIONS), 'and', 'or']);

/** docker's header functions: for a table's header row, its own functions pass their first argument through. */
export const HEADER_FUNCTIONS: Readonly<Record<string, TemplateFunction>> = {
  ...BUILTINS,
  ...Object.fromEntries(Object.keys(DOCKER).map((name) => [name, (v: unknown) => v])),
};
