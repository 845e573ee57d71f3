import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseChallenges, type Challenge } from '../../src/auth/challenge.js';
import { mergeScopes, parseScope, scopesCover, scopesForRequest } from '../../src/auth/scope.js';

const bearer = (params: Record<string, string>): Challenge => ({ scheme: 'bearer', params });

test('parseChallenges table', () => {
  const table: Array<[string, Challenge[]]> = [
    ['Basic realm="Registry Realm"', [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]],
    ['basic realm=registry', [{ scheme: 'basic', params: { realm: 'registry' } }]],
    ['BASIC', [{ scheme: 'basic', params: {} }]],
    [
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/node:pull"',
      [bearer({ realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/node:pull' })],
    ],
    ['Bearer realm="https://a/t",scope="repository:a/b:pull,push"', [bearer({ realm: 'https://a/t', scope: 'repository:a/b:pull,push' })]],
    [
      'Bearer realm="https://a/t", scope="repository:a:pull repository:b:pull"',
      [bearer({ realm: 'https://a/t', scope: 'repository:a:pull repository:b:pull' })],
    ],
    [
      'Bearer realm="https://a/t",error="insufficient_scope",scope="repository:x:pull,push"',
      [bearer({ realm: 'https://a/t', error: 'insufficient_scope', scope: 'repository:x:pull,push' })],
    ],
    ['Bearer Realm="r", SERVICE="s"', [bearer({ realm: 'r', service: 's' })]],
    ['Bearer realm="say \\"hi\\", ok"', [bearer({ realm: 'say "hi", ok' })]],
    [
      'Basic realm="x", Bearer realm="https://a/t",service="reg"',
      [{ scheme: 'basic', params: { realm: 'x' } }, bearer({ realm: 'https://a/t', service: 'reg' })],
    ],
    [
      'Bearer realm="https://a/t",scope="repository:a:pull,push", Basic realm="b"',
      [bearer({ realm: 'https://a/t', scope: 'repository:a:pull,push' }), { scheme: 'basic', params: { realm: 'b' } }],
    ],
    ['Negotiate abc123==', [{ scheme: 'negotiate', params: {}, token68: 'abc123==' }]],
    [
      'Negotiate, Basic realm="r"',
      [
        { scheme: 'negotiate', params: {} },
        { scheme: 'basic', params: { realm: 'r' } },
      ],
    ],
    ['Bearer realm = "spaced" , service = plain', [bearer({ realm: 'spaced', service: 'plain' })]],
    ['', []],
    ['  ,  ', []],
  ];
  for (const [input, want] of table) assert.deepEqual(parseChallenges(input), want, input);
});

test('scopes: parse, merge, cover and infer from requests', () => {
  assert.deepEqual(parseScope('repository:localhost:5000/a:pull'), { type: 'repository', name: 'localhost:5000/a', actions: ['pull'] });
  assert.deepEqual(mergeScopes(['repository:a/b:push', 'repository:a/b:pull', 'repository:c/d:pull']), ['repository:a/b:pull,push', 'repository:c/d:pull']);
  assert.deepEqual(mergeScopes(['repository:a:pull repository:b:pull', 'repository:a:*']), ['repository:a:*', 'repository:b:pull']);
  assert.deepEqual(mergeScopes(['registry:catalog:*']), ['registry:catalog:*']);
  assert.ok(scopesCover(['repository:a:pull,push'], ['repository:a:pull']));
  assert.ok(!scopesCover(['repository:a:pull'], ['repository:a:pull,push']));
  assert.ok(!scopesCover(['repository:a:pull'], ['repository:b:pull']));
  assert.ok(scopesCover(['repository:a:pull'], []));
  assert.deepEqual(scopesForRequest('GET', 'https://r/v2/a/b/manifests/latest'), ['repository:a/b:pull']);
  assert.deepEqual(scopesForRequest('HEAD', 'https://r/v2/a/blobs/sha256:0'), ['repository:a:pull']);
  assert.deepEqual(scopesForRequest('PUT', 'https://r/v2/a/b/manifests/v1'), ['repository:a/b:pull,push']);
  assert.deepEqual(scopesForRequest('POST', 'https://r/v2/a/blobs/uploads/?mount=sha256:1&from=c/d'), ['repository:a:pull,push', 'repository:c/d:pull']);
  assert.deepEqual(scopesForRequest('DELETE', 'https://r/v2/a/manifests/sha256:1'), ['repository:a:delete']);
  assert.deepEqual(scopesForRequest('GET', 'https://r/v2/'), []);
  assert.deepEqual(scopesForRequest('GET', 'https://r/v2/x/tags/list?n=10'), ['repository:x:pull']);
});
