import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RegctlError } from '../../src/errors.js';
import { GoTemplate } from '../../src/commands/template/go-template.js';
import { OutputFormat, alignColumns } from '../../src/commands/template/output-format.js';
import { sprintf } from '../../src/commands/template/template-functions.js';
import { goList, goMap } from '../../src/commands/template/template-values.js';

const DATA = {
  Id: 'sha256:abc',
  Size: 1234,
  Zero: 0,
  Empty: '',
  Flag: true,
  List: ['a', 'b', 'c'],
  NoList: goList(null),
  Labels: goMap({ 'org.opencontainers.image.title': 'app', b: '2', a: '1' }),
  NoLabels: goMap(null),
  Config: { User: 'app', Env: ['PATH=/bin', 'A=b'], Entrypoint: goList(null), Ports: goMap({ '80/tcp': goMap({}) }) },
  Nested: [
    { Name: 'x', N: 1 },
    { Name: 'y', N: 2 },
  ],
};

// Each expected output is what Go's text/template (with docker's functions) prints for DATA.
const CASES: [string, string][] = [
  ['plain text', 'plain text'],
  ['{{.Id}}', 'sha256:abc'],
  ['{{.Size}}', '1234'],
  ['{{.Flag}} {{.Zero}} [{{.Empty}}]', 'true 0 []'],
  ['{{.List}}', '[a b c]'],
  ['{{.NoList}}', '[]'],
  ['{{.Labels}}', 'map[a:1 b:2 org.opencontainers.image.title:app]'],
  ['{{.NoLabels}}', 'map[]'],
  ['{{.Labels.a}}', '1'],
  ['{{.Labels.missing}}', '<no value>'],
  ['{{.NoLabels.missing}}', '<no value>'],
  ['{{.Config.User}}', 'app'],
  ['{{.Config.Env}}', '[PATH=/bin A=b]'],
  ['{{.Config.Ports}}', 'map[80/tcp:map[]]'],
  ['{{json .Config.Env}}', '["PATH=/bin","A=b"]'],
  ['{{json .Config.Entrypoint}}', 'null'],
  ['{{json .Labels}}', '{"org.opencontainers.image.title":"app","b":"2","a":"1"}'],
  ['{{json .NoLabels}}', 'null'],
  ['{{json .Nested}}', '[{"Name":"x","N":1},{"Name":"y","N":2}]'],
  ['{{index .Labels "org.opencontainers.image.title"}}', 'app'],
  ['[{{index .Labels "nope"}}]', '[]'],
  ['{{index .List 1}}', 'b'],
  ['{{join .List ","}}', 'a,b,c'],
  ['{{join .NoList ","}}', ''],
  ['{{join (split "x:y:z" ":") "-"}}', 'x-y-z'],
  ['{{range .List}}<{{.}}>{{end}}', '<a><b><c>'],
  ['{{range $i, $e := .List}}{{$i}}={{$e}} {{end}}', '0=a 1=b 2=c '],
  ['{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}', 'a=1;b=2;org.opencontainers.image.title=app;'],
  ['{{range .Nested}}{{.Name}}{{.N}}{{end}}', 'x1y2'],
  ['{{range .NoList}}x{{else}}none{{end}}', 'none'],
  ['{{range .Nested}}{{$.Id}} {{end}}', 'sha256:abc sha256:abc '],
  ['{{if .Flag}}yes{{else}}no{{end}}', 'yes'],
  ['{{if .Empty}}yes{{else if .Zero}}zero{{else}}neither{{end}}', 'neither'],
  ['{{if and .Flag .Size}}both{{end}}', 'both'],
  ['{{or .Empty "fallback"}}', 'fallback'],
  ['{{if not .List}}empty{{else}}full{{end}}', 'full'],
  ['{{if eq .Config.User "app" "root"}}match{{end}}', 'match'],
  ['{{if gt .Size 1000}}big{{end}}', 'big'],
  ['{{with .Config}}{{.User}}{{end}}', 'app'],
  ['{{with .Empty}}x{{else}}empty{{end}}', 'empty'],
  ['{{len .List}} {{len .Labels}} {{len "abc"}}', '3 3 3'],
  ['{{.Config.User | upper}}', 'APP'],
  ['{{upper .Config.User | lower}}', 'app'],
  ['{{title "hello world"}}', 'Hello World'],
  ['{{pad .Config.User 2 1}}|', '  app |'],
  ['{{truncate .Id 6}}', 'sha256'],
  ['{{printf "%-6s|%5d|%q" .Config.User .Size .Config.User}}', 'app   | 1234|"app"'],
  ['{{print "a" 1 2 "b"}}', 'a1 2b'],
  ['{{println .Config.User}}', 'app\n'],
  ['{{$x := .Config.User}}{{$x}}-{{$x}}', 'app-app'],
  ['{{$x := 1}}{{$x = 2}}{{$x}}', '2'],
  ['a {{- " b " -}} c', 'a b c'],
  ['{{/* a comment */}}x', 'x'],
  ['{{`raw\\n`}}', 'raw\\n'],
  ['{{"tab\\tquote\\""}}', 'tab\tquote"'],
  ['{{(index .Nested 1).Name}}', 'y'],
];

for (const [template, expected] of CASES) {
  test(`template ${template}`, () => {
    assert.equal(new GoTemplate(template).execute(DATA), expected);
  });
}

// Each bad template is a usage error (exit 2) naming line and column.
const BAD: [string, RegExp][] = [
  ['{{.Id', /line 1, column 1: unclosed action/],
  ['{{.Id}', /line 1, column 6: unexpected "}" in command/],
  ['x\n  {{nope .Id}}', /line 2, column 5: function "nope" not defined/],
  ['{{if .Flag}}x', /unexpected EOF: \{\{if\}\} has no \{\{end\}\}/],
  ['{{end}}', /line 1, column 3: unexpected \{\{end\}\}/],
  ['{{.Nope}}', /line 1, column 3: can't evaluate field Nope \(the fields here are: Id, Size/],
  ['{{.Config.Nope}}', /column 3: can't evaluate field Nope/],
  ['{{.Id.Foo}}', /can't evaluate field Foo in type string/],
  ['{{$y}}', /undefined variable "\$y"/],
  ['{{index .List 9}}', /error calling index: index out of range: 9/],
  ['{{"unterminated}}', /unterminated quoted string/],
  ['{{}}', /missing value for command/],
  ['{{.Id .Size}}', /can't give argument to non-function \.Id/],
  ['{{template "x"}}', /\{\{template\}\} is not supported/],
  ['{{range .Size}}{{end}}x{{range .Id}}{{end}}', /range can't iterate over sha256:abc/],
  ['{{(.Id}}', /unclosed left paren/],
  ['{{.Id)}}', /unexpected right paren/],
  ['{{lt .Id 1}}', /incompatible types for comparison/],
];

for (const [template, message] of BAD) {
  test(`bad template ${JSON.stringify(template)}`, () => {
    assert.throws(
      () => new GoTemplate(template).execute(DATA),
      (err: unknown) =>
        err instanceof RegctlError &&
        err.exitCode === 2 &&
        message.test(err.message) &&
        /^invalid --format template at line \d+, column \d+: /.test(err.message),
    );
  });
}

test('sprintf: widths, zero padding, floats, missing and extra operands', () => {
  assert.equal(sprintf('%05d|%-4s|%.2f|%x', 42, 'ab', 1.23456, 255), '00042|ab  |1.23|ff');
  assert.equal(sprintf('%s %s', 'a'), 'a %!s(MISSING)');
  assert.equal(sprintf('%s', 'a', 1), 'a%!(EXTRA int=1)');
  assert.equal(sprintf('100%%'), '100%');
});

test('table format: header row from field titles, columns aligned as docker tabwriter aligns them', () => {
  const f = new OutputFormat('table {{.Repository}}\\t{{.Tag}}\\t{{.Size}}', { Repository: 'REPOSITORY', Tag: 'TAG', Size: 'SIZE' }, '');
  assert.equal(f.table, true);
  assert.deepEqual(
    f.render([
      { Repository: 'alpine', Tag: 'latest', Size: '3.6MB' },
      { Repository: 'localhost:5000/tools/alpine', Tag: '3', Size: '3.6MB' },
    ]),
    ['REPOSITORY                    TAG       SIZE', 'alpine                        latest    3.6MB', 'localhost:5000/tools/alpine   3         3.6MB'],
  );
  // A bare "table" is the command's default table; with no rows only the header is printed.
  const bare = new OutputFormat('table', { A: 'A COLUMN' }, '{{.A}}\t{{.A}}');
  assert.deepEqual(bare.render([]), ['A COLUMN   A COLUMN']);
});

test('non-table formats: one run per row; "json" is {{json .}}; \\t and \\n escapes', () => {
  assert.deepEqual(
    new OutputFormat('{{.A}}\\t{{.B}}', {}, '').render([
      { A: 1, B: 2 },
      { A: 3, B: 4 },
    ]),
    ['1\t2', '3\t4'],
  );
  assert.deepEqual(new OutputFormat('json', {}, '').render([{ A: 1 }]), ['{"A":1}']);
  assert.deepEqual(new OutputFormat('{{.A}}\\n', {}, '').render([{ A: 1 }]), ['1', '']);
  assert.deepEqual(new OutputFormat('{{.A}}', {}, '').render([]), []);
});

test('alignColumns pads every tab-terminated cell to its column width (at least 10, plus 3 of padding)', () => {
  assert.deepEqual(alignColumns(['a\tbb\tlast', 'aaaaaaaaaaaa\tb\tl']), ['a              bb        last', 'aaaaaaaaaaaa   b         l']);
});
