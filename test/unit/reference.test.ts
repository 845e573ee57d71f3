import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RegctlError } from '../../src/errors.js';
import { familiarName, familiarRepository, formatReference, formatRepository, parseReference, parseRepository } from '../../src/ref/reference.js';
import { apiEndpoint, dockerServerKey, normalizeRegistry } from '../../src/ref/registry.js';

// Cases come from distribution/reference (reference_test.go, normalize_test.go) and
// regclient (types/ref/ref_test.go), adjusted to SPEC §1 where the SPEC is stricter.
const F64 = 'f'.repeat(64);
const SHA = `sha256:${F64}`;
const SHA512 = `sha512:${'f'.repeat(128)}`;
const REDIS = 'sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c';
const REGC = 'sha256:15f840677a5e245d9ea199eb9b026b1539208a5183621dced7b469f6aa678115';
const HEX64 = '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a';

/** [input, registry, repository, tag, digest]; the normalized form is derived from them. */
type Valid = [string, string, string, string | undefined, string | undefined];

const valid: Valid[] = [
  ['node', 'docker.io', 'library/node', 'latest', undefined],
  ['node:18', 'docker.io', 'library/node', '18', undefined],
  ['alice/app:v1', 'docker.io', 'alice/app', 'v1', undefined],
  ['docker.io/node', 'docker.io', 'library/node', 'latest', undefined],
  ['docker.io/library/node', 'docker.io', 'library/node', 'latest', undefined],
  ['index.docker.io/node', 'docker.io', 'library/node', 'latest', undefined],
  ['index.docker.io/alice/app', 'docker.io', 'alice/app', 'latest', undefined],
  ['registry-1.docker.io/library/alpine', 'docker.io', 'library/alpine', 'latest', undefined],
  ['registry-1.docker.io/alpine:3', 'docker.io', 'library/alpine', '3', undefined],
  ['DOCKER.IO/foo', 'docker.io', 'library/foo', 'latest', undefined],
  ['library/debian', 'docker.io', 'library/debian', 'latest', undefined],
  ['docker/docker', 'docker.io', 'docker/docker', 'latest', undefined],
  ['127.0.0.1:5000/docker/docker', '127.0.0.1:5000', 'docker/docker', 'latest', undefined],
  ['127.0.0.1:5000/debian', '127.0.0.1:5000', 'debian', 'latest', undefined],
  ['192.168.0.1', 'docker.io', 'library/192.168.0.1', 'latest', undefined],
  ['192.168.0.1:80', 'docker.io', 'library/192.168.0.1', '80', undefined],
  ['192.168.0.1:8/debian', '192.168.0.1:8', 'debian', 'latest', undefined],
  ['192.168.0.2:25000/debian', '192.168.0.2:25000', 'debian', 'latest', undefined],
  [
    'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev',
    'docker.io',
    'library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev',
    'latest',
    undefined,
  ],
  ['[fc00::1]:5000/docker', '[fc00::1]:5000', 'docker', 'latest', undefined],
  ['[fc00:1:2:3:4:5:6:7]:5000/library/debian', '[fc00:1:2:3:4:5:6:7]:5000', 'library/debian', 'latest', undefined],
  [`docker.io/${HEX64}`, 'docker.io', `library/${HEX64}`, 'latest', undefined],
  ['docker-rules/docker', 'docker.io', 'docker-rules/docker', 'latest', undefined],
  ['docker---rules/docker', 'docker.io', 'docker---rules/docker', 'latest', undefined],
  ['d/docker', 'docker.io', 'd/docker', 'latest', undefined],
  ['jess/t', 'docker.io', 'jess/t', 'latest', undefined],
  ['dock__er/docker', 'docker.io', 'dock__er/docker', 'latest', undefined],
  ['test_com', 'docker.io', 'library/test_com', 'latest', undefined],
  ['test.com:tag', 'docker.io', 'library/test.com', 'tag', undefined],
  ['test.com:5000', 'docker.io', 'library/test.com', '5000', undefined],
  ['test.com/repo:tag', 'test.com', 'repo', 'tag', undefined],
  ['test:5000/repo', 'test:5000', 'repo', 'latest', undefined],
  ['test:5000/repo:tag', 'test:5000', 'repo', 'tag', undefined],
  [`test:5000/repo@${SHA}`, 'test:5000', 'repo', undefined, SHA],
  [`test:5000/repo:tag@${SHA}`, 'test:5000', 'repo', 'tag', SHA],
  ['lowercase:Uppercase', 'docker.io', 'library/lowercase', 'Uppercase', undefined],
  ['sub-dom1.foo.com/bar/baz/quux', 'sub-dom1.foo.com', 'bar/baz/quux', 'latest', undefined],
  ['sub-dom1.foo.com/bar/baz/quux:some-long-tag', 'sub-dom1.foo.com', 'bar/baz/quux', 'some-long-tag', undefined],
  ['b.gcr.io/test.example.com/my-app:test.example.com', 'b.gcr.io', 'test.example.com/my-app', 'test.example.com', undefined],
  ['xn--n3h.com/myimage:xn--n3h.com', 'xn--n3h.com', 'myimage', 'xn--n3h.com', undefined],
  [`xn--7o8h.com/myimage:xn--7o8h.com@${SHA512}`, 'xn--7o8h.com', 'myimage', 'xn--7o8h.com', SHA512],
  ['foo_bar.com:8080', 'docker.io', 'library/foo_bar.com', '8080', undefined],
  ['foo/foo_bar.com:8080', 'docker.io', 'foo/foo_bar.com', '8080', undefined],
  ['192.168.1.1/repo', '192.168.1.1', 'repo', 'latest', undefined],
  ['192.168.1.1:5000/repo:5050', '192.168.1.1:5000', 'repo', '5050', undefined],
  ['[2001:db8::1]/repo', '[2001:db8::1]', 'repo', 'latest', undefined],
  ['[2001:db8:1:2:3:4:5:6]/repo:tag', '[2001:db8:1:2:3:4:5:6]', 'repo', 'tag', undefined],
  [`[2001:db8::1]:5000/repo@${SHA}`, '[2001:db8::1]:5000', 'repo', undefined, SHA],
  [`[2001:db8::1]:5000/repo:tag@${SHA}`, '[2001:db8::1]:5000', 'repo', 'tag', SHA],
  ['[2001:db8::]:5000/repo', '[2001:db8::]:5000', 'repo', 'latest', undefined],
  ['[::1]:5000/repo', '[::1]:5000', 'repo', 'latest', undefined],
  ['test_com/foo', 'docker.io', 'test_com/foo', 'latest', undefined],
  ['test-com:8080/foo', 'test-com:8080', 'foo', 'latest', undefined],
  ['localhost/group/image:v42', 'localhost', 'group/image', 'v42', undefined],
  ['localhost:5000/group/image:v42', 'localhost:5000', 'group/image', 'v42', undefined],
  ['localhost/foo', 'localhost', 'foo', 'latest', undefined],
  // Docker's quirk: with no "/", "localhost:5000" is the image library/localhost tagged 5000.
  ['localhost:5000', 'docker.io', 'library/localhost', '5000', undefined],
  [`registry:5000/group/image@${REGC}`, 'registry:5000', 'group/image', undefined, REGC],
  ['e.xample.co/g-r.o__u_p/im----age:a', 'e.xample.co', 'g-r.o__u_p/im----age', 'a', undefined],
  ['Example.COM/foo', 'Example.COM', 'foo', 'latest', undefined],
  [`busybox:latest@${REDIS}`, 'docker.io', 'library/busybox', 'latest', REDIS],
  [`redis@${REDIS}`, 'docker.io', 'library/redis', undefined, REDIS],
  [`dmcgowan/myapp@${REDIS}`, 'docker.io', 'dmcgowan/myapp', undefined, REDIS],
  [
    'dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9',
    'docker.io',
    'library/dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9',
    'latest',
    undefined,
  ],
  ['dbcc1', 'docker.io', 'library/dbcc1', 'latest', undefined],
  [`sha256:${F64}`, 'docker.io', 'library/sha256', F64, undefined],
  ['ghcr.io/a/b', 'ghcr.io', 'a/b', 'latest', undefined],
  ['example.com/a/b/c/d/e:1.0-rc.1', 'example.com', 'a/b/c/d/e', '1.0-rc.1', undefined],
  ['library/foo/bar', 'docker.io', 'library/foo/bar', 'latest', undefined],
  ['docker.io/library/foo/bar', 'docker.io', 'library/foo/bar', 'latest', undefined],
  ['store/foo/bar', 'docker.io', 'store/foo/bar', 'latest', undefined],
  ['other/library', 'docker.io', 'other/library', 'latest', undefined],
  ['a:_tag', 'docker.io', 'library/a', '_tag', undefined],
  [`a:${'T'.repeat(128)}`, 'docker.io', 'library/a', 'T'.repeat(128), undefined],
  // The whole name "docker.io/" + 245 = 255 characters: the longest allowed.
  [`${'a/'.repeat(122)}a`, 'docker.io', `${'a/'.repeat(122)}a`, 'latest', undefined],
  [`example.com/${'b'.repeat(243)}`, 'example.com', 'b'.repeat(243), 'latest', undefined],
];

/** [input, expected error message after `invalid reference "INPUT": `]. */
const invalid: [string, string | RegExp][] = [
  ['', 'repository name must have at least one component'],
  ['Node', 'repository name must be lowercase'],
  ['https://github.com/docker/docker', 'invalid reference format'],
  ['docker/Docker', 'repository name must be lowercase'],
  ['-docker', 'invalid reference format'],
  ['-docker/docker', 'invalid reference format'],
  ['-docker.io/docker/docker', 'invalid reference format'],
  ['docker///docker', 'invalid reference format'],
  ['docker.io/docker/Docker', 'repository name must be lowercase'],
  ['docker.io/docker///docker', 'invalid reference format'],
  ['[fc00::1]', 'invalid reference format'],
  ['[fc00::1]:5000', 'invalid reference format'],
  ['fc00::1:5000/debian', 'invalid reference format'],
  ['[fe80::1%eth0]:5000/debian', 'invalid reference format'],
  ['[2001:db8:3:4::192.0.2.33]:5000/debian', 'invalid reference format'],
  [HEX64, /^cannot specify 64-byte hexadecimal strings/],
  ['docker-/docker', 'invalid reference format'],
  ['-docker-/docker', 'invalid reference format'],
  ['____/____', 'invalid reference format'],
  ['_docker/_docker', 'invalid reference format'],
  ['dock..er/docker', 'invalid reference format'],
  ['dock_.er/docker', 'invalid reference format'],
  ['dock-.er/docker', 'invalid reference format'],
  ['docker/', 'invalid reference format'],
  [`${'this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_'.repeat(4)}x/docker`, 'repository name must not be more than 255 characters'],
  [':justtag', 'invalid reference format'],
  [`@${SHA}`, 'invalid reference format'],
  ['repo@sha256:ffffffffffffffffffffffffffffffffff', /^invalid digest format: sha256 needs 64 hexadecimal characters, got 34$/],
  [`validname@invaliddigest:${F64}`, /^unsupported digest algorithm "invaliddigest"/],
  ['Uppercase:tag', 'repository name must be lowercase'],
  ['Uppercase/lowercase:tag', 'repository name must be lowercase'],
  ['test:5000/Uppercase/lowercase:tag', 'repository name must be lowercase'],
  [`${'a/'.repeat(128)}a:tag`, 'repository name must not be more than 255 characters'],
  [`${'a/'.repeat(122)}aa`, 'repository name must not be more than 255 characters'],
  ['aa/asdf$$^/aa', 'invalid reference format'],
  ['[2001:db8::1]:tag', 'invalid reference format'],
  ['[fe80::1%@invalidzone]:5000/repo', 'invalid reference format'],
  // docker's grammar takes any digits; a port no server can have is refused before a URL is built.
  ['localhost:99999/repo', 'port 99999 is out of range (1-65535)'],
  ['example.com:65536/a/b:1', 'port 65536 is out of range (1-65535)'],
  ['example.com:0/a', 'port 0 is out of range (1-65535)'],
  ['[::1]:1234567/a', 'port 1234567 is out of range (1-65535)'],
  ['example./g/roup/image:a', 'invalid reference format'],
  ['docker-.io/project/image:tag', 'invalid reference format'],
  ['project/-image:tag', 'invalid reference format'],
  ['project/image-:tag', 'invalid reference format'],
  ['project/image___x:tag', 'invalid reference format'],
  ['project/star*:tag', 'invalid reference format'],
  ['project/image:tag^1', 'invalid tag format'],
  ['a:-tag', 'invalid tag format'],
  ['a:', 'invalid tag format'],
  [`a:${'t'.repeat(129)}`, 'invalid tag format'],
  ['project/image@sha256:12345', /^invalid digest format/],
  ['project/image@sha256:gggg40677a5e245d9ea199eb9b026b1539208a5183621dced7b469f6aa678115', /^invalid digest format/],
  [`foo@sha256:${'F'.repeat(64)}`, 'invalid digest format: digest must be lowercase hexadecimal'],
  [`foo@md5:${'f'.repeat(32)}`, /^unsupported digest algorithm "md5"/],
  ['foo@', 'invalid digest format'],
  [`foo@${SHA}@${SHA}`, 'invalid digest format'],
  ['a b', 'invalid reference format'],
  [' node', 'invalid reference format'],
  ['example.com/', 'repository name must have at least one component'],
];

test('the table has at least 70 cases', () => {
  assert.ok(valid.length + invalid.length >= 70, `${valid.length + invalid.length} cases`);
});

for (const [input, registry, repository, tag, digest] of valid) {
  test(`parses ${input.length > 80 ? `${input.slice(0, 77)}...` : input}`, () => {
    const ref = parseReference(input);
    assert.deepEqual(ref, {
      registry,
      repository,
      ...(tag !== undefined ? { tag } : {}),
      ...(digest !== undefined ? { digest } : {}),
    });
    const normal = `${registry}/${repository}${tag !== undefined ? `:${tag}` : ''}${digest !== undefined ? `@${digest}` : ''}`;
    assert.equal(formatReference(ref), normal);
    // The normalized form is a fixed point.
    assert.deepEqual(parseReference(normal), ref);
    assert.equal(formatReference(parseReference(familiarName(ref))), normal);
  });
}

for (const [input, reason] of invalid) {
  test(`rejects ${JSON.stringify(input.length > 80 ? `${input.slice(0, 77)}...` : input)}`, () => {
    assert.throws(
      () => parseReference(input),
      (err: unknown) => {
        assert.ok(err instanceof RegctlError, 'a RegctlError');
        assert.equal(err.kind, 'usage');
        assert.equal(err.exitCode, 2);
        const prefix = `invalid reference "${input}": `;
        assert.ok(err.message.startsWith(prefix), err.message);
        const rest = err.message.slice(prefix.length);
        if (typeof reason === 'string') assert.equal(rest, reason);
        else assert.match(rest, reason);
        return true;
      },
    );
  });
}

test('the SPEC example error message is exact', () => {
  assert.throws(() => parseReference('Node'), { message: 'invalid reference "Node": repository name must be lowercase' });
});

test('defaultTag: false leaves a bare name untagged', () => {
  assert.deepEqual(parseReference('node', { defaultTag: false }), { registry: 'docker.io', repository: 'library/node' });
  assert.deepEqual(parseReference('node:1', { defaultTag: false }), { registry: 'docker.io', repository: 'library/node', tag: '1' });
  assert.equal(formatReference(parseReference('ghcr.io/a/b', { defaultTag: false })), 'ghcr.io/a/b');
});

test('a pathological input is rejected quickly', () => {
  const start = process.hrtime.bigint();
  assert.throws(() => parseReference(`${'a-'.repeat(50_000)}!`), RegctlError);
  assert.throws(() => parseReference(`x.com/${'a_'.repeat(50_000)}:t`), RegctlError);
  assert.ok(Number(process.hrtime.bigint() - start) / 1e6 < 500);
});

test('familiar names follow docker', () => {
  const cases: [string, string, string][] = [
    ['fooo/bar', 'fooo/bar', 'fooo/bar:latest'],
    ['index.docker.io/fooo/bar', 'fooo/bar', 'fooo/bar:latest'],
    ['library/ubuntu', 'ubuntu', 'ubuntu:latest'],
    ['docker.io/library/ubuntu:22.04', 'ubuntu', 'ubuntu:22.04'],
    ['nonlibrary/ubuntu', 'nonlibrary/ubuntu', 'nonlibrary/ubuntu:latest'],
    ['other/library', 'other/library', 'other/library:latest'],
    ['127.0.0.1:8000/private/moonbase', '127.0.0.1:8000/private/moonbase', '127.0.0.1:8000/private/moonbase:latest'],
    ['example.com:8000/privatebase', 'example.com:8000/privatebase', 'example.com:8000/privatebase:latest'],
    ['ubuntu-12.04-base', 'ubuntu-12.04-base', 'ubuntu-12.04-base:latest'],
    ['docker.io/foo', 'foo', 'foo:latest'],
    ['library/foo/bar', 'library/foo/bar', 'library/foo/bar:latest'],
    ['ghcr.io/a/b:v1', 'ghcr.io/a/b', 'ghcr.io/a/b:v1'],
    ['alice/app:v1', 'alice/app', 'alice/app:v1'],
    [`busybox:latest@${REDIS}`, 'busybox', `busybox:latest@${REDIS}`],
    [`redis@${REDIS}`, 'redis', `redis@${REDIS}`],
  ];
  for (const [input, repo, name] of cases) {
    const ref = parseReference(input);
    assert.equal(familiarRepository(ref), repo, input);
    assert.equal(familiarName(ref), name, input);
  }
});

test('formatRepository drops tag and digest', () => {
  assert.equal(formatRepository(parseReference(`node:1@${REDIS}`)), 'docker.io/library/node');
  assert.equal(formatRepository(parseReference('[::1]:5000/a/b:c')), '[::1]:5000/a/b');
});

test("registry names: one alias set, one normaliser, docker's server key, the API endpoint", () => {
  for (const host of [
    'docker.io',
    'index.docker.io',
    'registry-1.docker.io',
    'Docker.IO',
    'https://index.docker.io/v1/',
    'https://registry-1.docker.io',
    'index.docker.io:443',
  ]) {
    assert.equal(normalizeRegistry(host), 'docker.io', host);
    assert.equal(dockerServerKey(host), 'https://index.docker.io/v1/', host);
  }
  for (const host of ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'Docker.IO']) assert.equal(apiEndpoint(host), 'registry-1.docker.io', host);
  for (const host of ['ghcr.io', 'localhost:5000', '127.0.0.1:5000', '[::1]:5000']) {
    assert.equal(normalizeRegistry(host), host);
    assert.equal(apiEndpoint(host), host);
    assert.equal(dockerServerKey(host), host);
  }
  assert.equal(normalizeRegistry('https://ghcr.io/v2/'), 'ghcr.io');
  assert.equal(normalizeRegistry('http://localhost:5000'), 'localhost:5000');
  assert.equal(normalizeRegistry('Example.com'), 'example.com');
  // A reference keeps its host as written, as docker does; only Docker Hub's names are mapped.
  assert.equal(parseReference('Example.com/a').registry, 'Example.com');
  assert.equal(formatReference(parseReference('Index.Docker.IO/a')), 'docker.io/library/a:latest');
  assert.equal(formatReference(parseReference('registry-1.docker.io/a/b')), 'docker.io/a/b:latest');
});

test('parseRepository accepts names without tag or digest', () => {
  assert.deepEqual(parseRepository('node'), { registry: 'docker.io', repository: 'library/node' });
  assert.deepEqual(parseRepository('alice/app'), { registry: 'docker.io', repository: 'alice/app' });
  assert.deepEqual(parseRepository('localhost:5000/a/b'), { registry: 'localhost:5000', repository: 'a/b' });
  assert.deepEqual(parseRepository('index.docker.io/x'), { registry: 'docker.io', repository: 'library/x' });
});

test('parseRepository refuses tags, digests and bad names with usage errors', () => {
  const cases: [string, string][] = [
    ['node:latest', 'invalid repository "node:latest": a repository name takes no tag or digest'],
    [`node@${REDIS}`, `invalid repository "node@${REDIS}": a repository name takes no tag or digest`],
    ['localhost:5000', 'invalid repository "localhost:5000": a repository name takes no tag or digest'],
    ['Node', 'invalid repository "Node": repository name must be lowercase'],
    ['', 'invalid repository "": repository name must have at least one component'],
  ];
  for (const [input, message] of cases) {
    assert.throws(
      () => parseRepository(input),
      (err: unknown) => {
        assert.ok(err instanceof RegctlError);
        assert.equal(err.kind, 'usage');
        assert.equal(err.message, message);
        return true;
      },
    );
  }
});
