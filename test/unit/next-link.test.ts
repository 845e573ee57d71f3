import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RegctlError } from '../../src/errors.js';
import { parseRegistryName } from '../../src/ref/registry.js';
import { NextLinkPager, nextLink } from '../../src/registry/next-link.js';
import { isRegistryOrigin } from '../../src/registry/registry-origin.js';
import { placeholderManifest } from '../../src/registry/tag-delete.js';

const LINKS: [string | undefined, string | undefined][] = [
  [undefined, undefined],
  ['</v2/_catalog?last=b&n=2>; rel="next"', '/v2/_catalog?last=b&n=2'],
  ['</v2/_catalog?last=b&n=2>; rel=next', '/v2/_catalog?last=b&n=2'],
  ['<https://r.example/v2/x/tags/list?last=a>; rel="prev next"', 'https://r.example/v2/x/tags/list?last=a'],
  ['</a>; rel="prev", </b>; rel="next"', '/b'],
  ['</a>; rel="nextpage"', undefined],
  ['</a>; title="next"', undefined],
];

for (const [header, target] of LINKS) {
  test(`nextLink ${header}`, () => assert.equal(nextLink(header), target));
}

test('isRegistryOrigin: same host and port; same scheme or an upgrade to https', () => {
  const reg = new URL('http://127.0.0.1:5000/v2/_catalog');
  assert.equal(isRegistryOrigin(new URL('http://127.0.0.1:5000/v2/_catalog?last=a'), reg), true);
  assert.equal(isRegistryOrigin(new URL('https://127.0.0.1:5000/x'), reg), true);
  assert.equal(isRegistryOrigin(new URL('http://127.0.0.1:5001/x'), reg), false);
  assert.equal(isRegistryOrigin(new URL('http://localhost:5000/x'), reg), false);
  assert.equal(isRegistryOrigin(new URL('http://r.example/x'), new URL('https://r.example/')), false);
});

test('NextLinkPager resolves relative links, refuses other hosts and loops', () => {
  const pager = new NextLinkPager('r.example', 'the catalog');
  const first = 'https://r.example/v2/_catalog?n=2';
  pager.visit(first);
  const next = pager.next({ headers: { link: '</v2/_catalog?n=2&last=b>; rel="next"' } }, first);
  assert.equal(next, 'https://r.example/v2/_catalog?n=2&last=b');
  pager.visit(next as string);
  assert.equal(pager.next({ headers: {} }, next as string), undefined);
  assert.throws(() => pager.next({ headers: { link: '<https://evil.example/v2/_catalog>; rel="next"' } }, first), /another host \(evil\.example\)/);
  assert.throws(() => pager.next({ headers: { link: '<http://r.example/v2/_catalog>; rel="next"' } }, first), /pointing at http:\/\/r\.example/);
  assert.throws(() => pager.next({ headers: { link: '</v2/_catalog?n=2>; rel="next"' } }, next as string), /loops back to a page already read/);
});

const REGISTRIES: [string, string | RegExp][] = [
  ['localhost:5000', 'localhost:5000'],
  ['https://registry.example.com/', 'registry.example.com'],
  ['http://127.0.0.1:5000/v2/', '127.0.0.1:5000'],
  ['index.docker.io', 'docker.io'],
  ['[::1]:5000', '[::1]:5000'],
  ['registry', 'registry'],
  ['localhost:5000/team/app', /not a repository/],
  ['bad host', /expected host\[:port\]/],
  ['', /expected host\[:port\]/],
];

for (const [input, expected] of REGISTRIES) {
  test(`parseRegistryName ${JSON.stringify(input)}`, () => {
    if (typeof expected === 'string') assert.equal(parseRegistryName(input), expected);
    else
      assert.throws(
        () => parseRegistryName(input),
        (e: unknown) => e instanceof RegctlError && e.exitCode === 2 && expected.test(e.message),
      );
  });
}

test('placeholder manifests are unique OCI manifests over the empty descriptor', () => {
  const a = placeholderManifest('v1');
  const b = placeholderManifest('v1');
  assert.notEqual(a.desc.digest, b.desc.digest);
  const doc = JSON.parse(a.bytes.toString('utf8')) as {
    config: { mediaType: string; digest: string; size: number };
    layers: unknown[];
    annotations: Record<string, string>;
  };
  assert.deepEqual(doc.config, {
    mediaType: 'application/vnd.oci.empty.v1+json',
    digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
    size: 2,
  });
  assert.deepEqual(doc.layers, [doc.config]);
  assert.equal(doc.annotations['io.regctl.delete.tag'], 'v1');
  assert.equal(a.desc.size, a.bytes.length);
});
