import { lex, type Token } from './template-lexer.js';
import { TemplateError } from './template-values.js';

/** An operand of a command: `.`, `.A.B`, `$x.A`, a function name, a literal, or `(pipeline).A`. */
export type Operand =
  | { kind: 'dot'; pos: number }
  | { kind: 'field'; pos: number; names: string[] }
  | { kind: 'variable'; pos: number; name: string; names: string[] }
  | { kind: 'function'; pos: number; name: string }
  | { kind: 'literal'; pos: number; value: unknown }
  | { kind: 'pipe'; pos: number; pipe: Pipeline; names: string[] };

/** One command of a pipeline: a function call, or a single value. */
export interface Command {
  pos: number;
  args: Operand[];
}

/** `[$a[, $b] :=|=] cmd | cmd …`. */
export interface Pipeline {
  pos: number;
  decl: string[];
  assign: boolean;
  cmds: Command[];
}

/** `{{if}}`, `{{range}}` or `{{with}}`, with its body and optional `{{else}}` part. */
export interface ControlNode {
  kind: 'if' | 'range' | 'with';
  pos: number;
  pipe: Pipeline;
  list: TemplateNode[];
  elseList?: TemplateNode[];
}

/** A node of the parsed template. */
export type TemplateNode = { kind: 'text'; text: string } | { kind: 'action'; pos: number; pipe: Pipeline } | ControlNode;

type Stop = { word: 'end' | 'else' | 'eof'; pos: number };

/** Parses a Go text/template into nodes; `functions` are the names a template may call. Bad templates throw TemplateError. */
export function parseTemplate(source: string, functions: ReadonlySet<string>): TemplateNode[] {
  return new Parser(source, functions).parseRoot();
}

class Parser {
  private readonly tokens: Token[];
  private i = 0;
  private vars: string[] = ['$'];

  constructor(
    private readonly source: string,
    private readonly functions: ReadonlySet<string>,
  ) {
    this.tokens = lex(source);
  }

  parseRoot(): TemplateNode[] {
    const { list, stop } = this.parseList();
    if (stop.word !== 'eof') this.fail(stop.pos, `unexpected {{${stop.word}}}`);
    return list;
  }

  private fail(pos: number, message: string): never {
    throw new TemplateError(this.source, pos, message);
  }

  private peek(): Token {
    return this.tokens[this.i] as Token;
  }

  private next(): Token {
    return this.tokens[this.i++] as Token;
  }

  /** The next token that is not a space (consumed). */
  private nextNonSpace(): Token {
    let t = this.next();
    while (t.kind === 'space') t = this.next();
    return t;
  }

  private peekNonSpace(): Token {
    let j = this.i;
    while (this.tokens[j]?.kind === 'space') j++;
    return this.tokens[j] as Token;
  }

  private expectRight(context: string): void {
    const t = this.nextNonSpace();
    if (t.kind !== 'right') this.fail(t.pos, `unexpected ${describe(t)} in ${context}`);
  }

  private parseList(): { list: TemplateNode[]; stop: Stop } {
    const list: TemplateNode[] = [];
    for (;;) {
      const t = this.next();
      if (t.kind === 'eof') return { list, stop: { word: 'eof', pos: t.pos } };
      if (t.kind === 'text') {
        list.push({ kind: 'text', text: t.value });
        continue;
      }
      const word = this.peekNonSpace();
      if (word.kind === 'keyword') {
        this.nextNonSpace();
        if (word.value === 'end' || word.value === 'else') {
          if (word.value === 'end') this.expectRight('end');
          return { list, stop: { word: word.value, pos: word.pos } };
        }
        if (word.value === 'if' || word.value === 'range' || word.value === 'with') {
          list.push(this.parseControl(word.value, word.pos));
          continue;
        }
        this.fail(word.pos, `{{${word.value}}} is not supported in --format templates`);
      }
      const pipe = this.parsePipeline('command', false);
      this.expectRight('command');
      list.push({ kind: 'action', pos: pipe.pos, pipe });
    }
  }

  private parseControl(kind: 'if' | 'range' | 'with', pos: number): TemplateNode {
    const saved = this.vars.length;
    const pipe = this.parsePipeline(kind, kind === 'range');
    this.expectRight(kind);
    const { list, stop } = this.parseList();
    let elseList: TemplateNode[] | undefined;
    if (stop.word === 'eof') this.fail(stop.pos, `unexpected EOF: {{${kind}}} has no {{end}}`);
    if (stop.word === 'else') {
      const chained = this.peekNonSpace();
      if (kind !== 'range' && chained.kind === 'keyword' && chained.value === kind) {
        // {{else if …}} is {{else}}{{if …}}…{{end}}{{end}} sharing one {{end}}.
        this.nextNonSpace();
        elseList = [this.parseControl(kind, chained.pos)];
      } else {
        this.expectRight('else');
        const tail = this.parseList();
        if (tail.stop.word !== 'end')
          this.fail(tail.stop.pos, tail.stop.word === 'eof' ? `unexpected EOF: {{${kind}}} has no {{end}}` : 'expected {{end}} after {{else}}');
        elseList = tail.list;
      }
    }
    this.vars.length = saved;
    return { kind, pos, pipe, list, ...(elseList ? { elseList } : {}) };
  }

  /** Parses `[decl :=] cmd | cmd` up to (not including) `}}` or `)`. */
  private parsePipeline(context: string, allowTwoVars: boolean): Pipeline {
    const start = this.peekNonSpace();
    const decl: string[] = [];
    let assign = false;
    if (start.kind === 'variable') {
      const save = this.i;
      const names = [this.nextNonSpace().value];
      let t = this.nextNonSpace();
      if (t.kind === 'comma' && allowTwoVars) {
        const second = this.nextNonSpace();
        if (second.kind !== 'variable') this.fail(second.pos, 'expected a variable after ","');
        names.push(second.value);
        t = this.nextNonSpace();
        if (t.kind !== 'declare' && t.kind !== 'assign') this.fail(t.pos, 'expected := after range variables');
      }
      if (t.kind === 'declare' || t.kind === 'assign') {
        assign = t.kind === 'assign';
        if (assign) for (const n of names) if (!this.vars.includes(n)) this.fail(start.pos, `undefined variable "${n}"`);
        decl.push(...names);
      } else {
        this.i = save;
      }
    }
    const cmds: Command[] = [];
    for (;;) {
      const t = this.peekNonSpace();
      if (t.kind === 'right' || t.kind === 'rparen' || t.kind === 'eof') {
        if (cmds.length === 0) this.fail(t.pos, `missing value for ${context}`);
        break;
      }
      cmds.push(this.parseCommand());
      const after = this.peekNonSpace();
      if (after.kind === 'pipe') this.nextNonSpace();
      else if (after.kind !== 'right' && after.kind !== 'rparen') this.fail(after.pos, `unexpected ${describe(after)} in ${context}`);
    }
    if (!assign) for (const n of decl) this.vars.push(n);
    return { pos: start.pos, decl, assign, cmds };
  }

  private parseCommand(): Command {
    const first = this.peekNonSpace();
    const args: Operand[] = [];
    for (;;) {
      const t = this.peekNonSpace();
      if (t.kind === 'pipe' || t.kind === 'right' || t.kind === 'rparen' || t.kind === 'eof') break;
      if (args.length > 0 && this.peek().kind !== 'space') this.fail(t.pos, `missing space before ${describe(t)}`);
      args.push(this.parseOperand());
    }
    if (args.length === 0) this.fail(first.pos, 'missing value for command');
    return { pos: first.pos, args };
  }

  private parseOperand(): Operand {
    const t = this.nextNonSpace();
    let op: Operand;
    switch (t.kind) {
      case 'dot':
        op = { kind: 'dot', pos: t.pos };
        break;
      case 'field':
        op = { kind: 'field', pos: t.pos, names: [t.value.slice(1)] };
        break;
      case 'variable':
        if (!this.vars.includes(t.value)) this.fail(t.pos, `undefined variable "${t.value}"`);
        op = { kind: 'variable', pos: t.pos, name: t.value, names: [] };
        break;
      case 'ident':
        if (!this.functions.has(t.value)) this.fail(t.pos, `function "${t.value}" not defined`);
        op = { kind: 'function', pos: t.pos, name: t.value };
        break;
      case 'string':
        op = { kind: 'literal', pos: t.pos, value: t.value };
        break;
      case 'number': {
        const n = Number(t.value.replace(/_/g, ''));
        if (Number.isNaN(n)) this.fail(t.pos, `bad number syntax: "${t.value}"`);
        op = { kind: 'literal', pos: t.pos, value: n };
        break;
      }
      case 'bool':
        op = { kind: 'literal', pos: t.pos, value: t.value === 'true' };
        break;
      case 'nil':
        op = { kind: 'literal', pos: t.pos, value: null };
        break;
      case 'lparen': {
        const pipe = this.parsePipeline('parenthesized pipeline', false);
        const close = this.nextNonSpace();
        if (close.kind !== 'rparen') this.fail(close.pos, 'unclosed left paren');
        op = { kind: 'pipe', pos: t.pos, pipe, names: [] };
        break;
      }
      default:
        return this.fail(t.pos, `unexpected ${describe(t)} in operand`);
    }
    while (this.peek().kind === 'field') {
      const f = this.next();
      if (op.kind === 'field' || op.kind === 'variable' || op.kind === 'pipe') op.names.push(f.value.slice(1));
      else if (op.kind === 'dot') op = { kind: 'field', pos: op.pos, names: [f.value.slice(1)] };
      else this.fail(f.pos, `unexpected ${f.value} after ${describe(t)}`);
    }
    return op;
  }
}

function describe(t: Token): string {
  if (t.kind === 'eof') return 'EOF';
  if (t.kind === 'right') return `"${t.value}"`;
  return `${t.kind === 'string' ? 'string' : t.kind === 'keyword' ? 'keyword' : ''} "${t.value}"`.trim();
}
