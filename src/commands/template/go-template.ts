import { FUNCTION_NAMES, TEMPLATE_FUNCTIONS, type TemplateFunction } from './template-functions.js';
import { parseTemplate, type Command, type Operand, type ControlNode, type Pipeline, type TemplateNode } from './template-parser.js';
import { GoMap, GoNil, MISSING, TemplateError, printValue, truthy, typeName } from './template-values.js';

const NO_ARG: unique symbol = Symbol('no piped value');

/**
 * A parsed Go text/template (docker's `--format` subset): `{{.A.B}}`, `{{$x := …}}`, pipelines,
 * `if`/`else if`/`else`, `range` (with `$i, $v :=` and `else`), `with`, and the functions of
 * template-functions.ts. Parsing and execution errors are usage errors naming line and column.
 */
export class GoTemplate {
  readonly source: string;
  private readonly nodes: TemplateNode[];

  /** Parses `source`; throws TemplateError (exit 2) for a bad template. */
  constructor(source: string) {
    this.source = source;
    this.nodes = parseTemplate(source, FUNCTION_NAMES);
  }

  /** Runs the template on `data` with `functions` (default: docker's row functions). */
  execute(data: unknown, functions: Readonly<Record<string, TemplateFunction>> = TEMPLATE_FUNCTIONS): string {
    const run = new Execution(this.source, data, functions);
    run.list(this.nodes, data);
    return run.out;
  }
}

class Execution {
  out = '';
  private readonly vars: { name: string; value: unknown }[];

  constructor(
    private readonly source: string,
    root: unknown,
    private readonly functions: Readonly<Record<string, TemplateFunction>>,
  ) {
    this.vars = [{ name: '$', value: root }];
  }

  private fail(pos: number, message: string): never {
    throw new TemplateError(this.source, pos, message);
  }

  list(nodes: readonly TemplateNode[], dot: unknown): void {
    for (const node of nodes) {
      if (node.kind === 'text') {
        this.out += node.text;
        continue;
      }
      const mark = this.vars.length;
      if (node.kind === 'action') {
        const value = this.pipeline(node.pipe, dot);
        if (node.pipe.decl.length === 0) this.out += printValue(value);
        // A declaration in a plain action lives until the end of the enclosing block.
        continue;
      }
      if (node.kind === 'range') this.range(node, dot);
      else {
        const value = this.pipeline(node.pipe, dot);
        if (truthy(value)) this.list(node.list, node.kind === 'with' ? value : dot);
        else if (node.elseList) this.list(node.elseList, dot);
      }
      this.vars.length = mark;
    }
  }

  private range(node: ControlNode, dot: unknown): void {
    const value = this.pipeline({ ...node.pipe, decl: [] }, dot);
    let items: [unknown, unknown][];
    if (Array.isArray(value)) items = value.map((v, i) => [i, v]);
    else if (value instanceof GoMap) items = value.keys().map((k) => [k, value.entries.get(k)]);
    else if (value instanceof GoNil || value === MISSING || value === null || value === undefined) items = [];
    else if (typeof value === 'number' && Number.isInteger(value)) items = Array.from({ length: Math.max(0, value) }, (_, i) => [i, i]);
    else this.fail(node.pos, `range can't iterate over ${printValue(value)}`);
    if (items.length === 0) {
      if (node.elseList) this.list(node.elseList, dot);
      return;
    }
    const [first, second] = node.pipe.decl;
    for (const [key, element] of items) {
      const mark = this.vars.length;
      if (second !== undefined) this.vars.push({ name: first as string, value: key }, { name: second, value: element });
      else if (first !== undefined) this.vars.push({ name: first, value: element });
      this.list(node.list, element);
      this.vars.length = mark;
    }
  }

  private pipeline(pipe: Pipeline, dot: unknown): unknown {
    let value: unknown = NO_ARG;
    for (const cmd of pipe.cmds) value = this.command(cmd, dot, value);
    if (pipe.assign) {
      for (const name of pipe.decl) {
        const v = [...this.vars].reverse().find((x) => x.name === name);
        if (v) v.value = value;
      }
    } else {
      for (const name of pipe.decl) this.vars.push({ name, value });
    }
    return value;
  }

  private command(cmd: Command, dot: unknown, piped: unknown): unknown {
    const [first, ...rest] = cmd.args as [Operand, ...Operand[]];
    if (first.kind === 'function') {
      if (first.name === 'and' || first.name === 'or') return this.andOr(first.name, rest, dot, piped, first.pos);
      const args = rest.map((op) => this.operand(op, dot));
      if (piped !== NO_ARG) args.push(piped);
      return this.call(first.name, args, first.pos);
    }
    if (rest.length > 0 || piped !== NO_ARG) this.fail((rest[0] ?? first).pos, `can't give argument to non-function ${describeOperand(first)}`);
    return this.operand(first, dot);
  }

  private andOr(name: 'and' | 'or', ops: Operand[], dot: unknown, piped: unknown, pos: number): unknown {
    const thunks: (() => unknown)[] = ops.map((op) => () => this.operand(op, dot));
    if (piped !== NO_ARG) thunks.push(() => piped);
    if (thunks.length === 0) this.fail(pos, `wrong number of args for ${name}: want at least 1 got 0`);
    let value: unknown;
    for (const thunk of thunks) {
      value = thunk();
      if (truthy(value) === (name === 'or')) return value;
    }
    return value;
  }

  private call(name: string, args: unknown[], pos: number): unknown {
    const fn = this.functions[name];
    if (!fn) return this.fail(pos, `function "${name}" not defined`);
    try {
      return fn(...args);
    } catch (err) {
      return this.fail(pos, `error calling ${name}: ${(err as Error).message.replace(new RegExp(`^${name}: `), '')}`);
    }
  }

  private operand(op: Operand, dot: unknown): unknown {
    switch (op.kind) {
      case 'dot':
        return dot;
      case 'literal':
        return op.value;
      case 'function':
        return this.call(op.name, [], op.pos);
      case 'field':
        return this.fields(dot, op.names, op.pos);
      case 'variable': {
        const v = [...this.vars].reverse().find((x) => x.name === op.name);
        if (!v) return this.fail(op.pos, `undefined variable "${op.name}"`);
        return this.fields(v.value, op.names, op.pos);
      }
      case 'pipe':
        return this.fields(this.pipeline(op.pipe, dot), op.names, op.pos);
    }
  }

  private fields(start: unknown, names: readonly string[], pos: number): unknown {
    let value = start;
    for (const name of names) {
      if (value instanceof GoMap) value = value.entries.has(name) ? value.entries.get(name) : MISSING;
      else if (value instanceof GoNil && value.printed === 'map[]') value = MISSING;
      else if (value === null || value === undefined || value === MISSING) this.fail(pos, `nil pointer evaluating .${name}`);
      else if (typeof value === 'object' && !Array.isArray(value) && !(value instanceof GoNil)) {
        if (!Object.hasOwn(value, name)) {
          this.fail(pos, `can't evaluate field ${name} (the fields here are: ${Object.keys(value).join(', ')})`);
        }
        value = (value as Record<string, unknown>)[name];
      } else {
        this.fail(pos, `can't evaluate field ${name} in type ${typeName(value)}`);
      }
    }
    return value;
  }
}

function describeOperand(op: Operand): string {
  switch (op.kind) {
    case 'dot':
      return '.';
    case 'field':
      return `.${op.names.join('.')}`;
    case 'variable':
      return op.name + op.names.map((n) => `.${n}`).join('');
    case 'literal':
      return printValue(op.value);
    default:
      return 'value';
  }
}
