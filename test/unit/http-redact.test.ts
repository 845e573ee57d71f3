import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactForm, redactHeader, redactUrl } from '../../src/http/redact.js';

test('redactUrl hides secret query values and passwords, keeps the rest', () => {
  const cases: Array<[string, string]> = [
    ['https://r.io/v2/a/blobs/sha256:1?token=abc&x=1', 'https://r.io/v2/a/blobs/sha256:1?token=[redacted]&x=[redacted]'],
    ['https://auth.io/token?service=r&access_token=s3cr3t', 'https://auth.io/token?service=r&access_token=[redacted]'],
    ['https://s3.io/b?X-Amz-Signature=ff&X-Amz-Date=1', 'https://s3.io/b?X-Amz-Signature=[redacted]&X-Amz-Date=1'],
    ['https://u:pw@r.io/v2/', 'https://u:[redacted]@r.io/v2/'],
    ['https://r.io/v2/', 'https://r.io/v2/'],
    ['/v2/x?password=p', '/v2/x?password=[redacted]'],
  ];
  for (const [input, want] of cases) assert.equal(redactUrl(input), want, input);
});

test('redactForm hides password and refresh_token fields of a token POST', () => {
  const form = 'grant_type=password&username=alice&password=hunter2&refresh_token=rt&service=reg&scope=repository%3Aa%3Apull';
  const out = redactForm(form);
  assert.ok(!out.includes('hunter2'));
  assert.ok(!out.includes('=rt'));
  assert.ok(out.includes('username=alice'));
  assert.ok(out.includes('scope=repository%3Aa%3Apull'));
});

test('redactHeader keeps the scheme name and hides the credential', () => {
  assert.equal(redactHeader('Authorization', 'Bearer eyJhbGciOi'), 'Bearer [redacted]');
  assert.equal(redactHeader('authorization', 'Basic dXNlcjpwYXNz'), 'Basic [redacted]');
  assert.equal(redactHeader('Cookie', 'a=b'), 'a=[redacted]');
  assert.equal(redactHeader('Location', 'https://s3/x?sig=1'), 'https://s3/x?sig=[redacted]');
  assert.equal(redactHeader('Content-Type', 'application/json'), 'application/json');
});

test('redactUrl: signed storage URLs (GCS/Artifact Registry, S3, Azure, Docker Hub CDN) keep no secret value', () => {
  const cases: Array<[string, string[], string[]]> = [
    [
      'https://storage.googleapis.com/b/o?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=sa%40p.iam.gserviceaccount.com%2F20240101&X-Goog-Date=20240101T000000Z&X-Goog-Expires=600&X-Goog-SignedHeaders=host&X-Goog-Signature=abcdef0123',
      ['sa%40p.iam', 'abcdef0123'],
      ['X-Goog-Date=20240101T000000Z', 'X-Goog-Expires=600', 'X-Goog-Algorithm=GOOG4-RSA-SHA256'],
    ],
    [
      'https://prod-registry.s3.amazonaws.com/x?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20240101&X-Amz-Security-Token=tok123&X-Amz-Signature=sig123&X-Amz-Expires=900',
      ['AKIAEXAMPLE', 'tok123', 'sig123'],
      ['X-Amz-Expires=900'],
    ],
    ['https://acct.blob.core.windows.net/c/b?sv=2021-08-06&se=2030-01-01&sp=r&sig=azuresig%3D', ['azuresig', '2030-01-01', 'sp=r'], []],
    ['https://production.cloudflare.docker.com/registry-v2/docker/registry/v2/blobs/sha256/aa/x/data?verify=1700000000-secretvalue', ['secretvalue'], []],
    ['https://cdn.example.com/blob?policy=p0l1cy&key-pair-id=KP&unknown_param=value', ['p0l1cy', 'KP', 'value'], []],
  ];
  for (const [input, secrets, kept] of cases) {
    const out = redactUrl(input);
    for (const s of secrets) assert.ok(!out.includes(s), `${s} leaked: ${out}`);
    for (const k of kept) assert.ok(out.includes(k), `${k} lost: ${out}`);
    assert.ok(out.startsWith(input.slice(0, input.indexOf('?') + 1)), 'scheme, host and path are kept');
  }
});

test('redactUrl: the registry API parameters a reader needs stay; an upload _state does not', () => {
  assert.equal(redactUrl('https://r.io/v2/a/tags/list?n=100&last=v1'), 'https://r.io/v2/a/tags/list?n=100&last=v1');
  assert.equal(redactUrl('https://r.io/v2/a/blobs/uploads/?mount=sha256%3Aab&from=b%2Fc'), 'https://r.io/v2/a/blobs/uploads/?mount=sha256%3Aab&from=b%2Fc');
  assert.equal(
    redactUrl('https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Alibrary%2Falpine%3Apull'),
    'https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Alibrary%2Falpine%3Apull',
  );
  assert.equal(
    redactUrl('https://r.io/v2/a/blobs/uploads/uuid?_state=eyJOYW1lIjoiYSJ9&digest=sha256%3Aab'),
    'https://r.io/v2/a/blobs/uploads/uuid?_state=[redacted]&digest=sha256%3Aab',
  );
});

test('redactHeader: Cookie and Set-Cookie keep their names, never their values', () => {
  assert.equal(redactHeader('Cookie', 'session=abc123; theme=dark'), 'session=[redacted]; theme=[redacted]');
  assert.equal(redactHeader('set-cookie', 'session=abc123; Path=/; HttpOnly'), 'session=[redacted]; Path=/; HttpOnly');
  assert.equal(
    redactHeader('Location', 'https://s3.io/b?X-Amz-Signature=zz&X-Amz-Credential=cc'),
    'https://s3.io/b?X-Amz-Signature=[redacted]&X-Amz-Credential=[redacted]',
  );
});

test('redactForm: a token POST keeps only the fields a reader needs', () => {
  const out = redactForm('grant_type=password&username=alice&password=hunter2&client_id=regctl&service=reg&scope=s&access_type=offline&extra=secret');
  assert.equal(out, 'grant_type=password&username=alice&password=[redacted]&client_id=regctl&service=reg&scope=s&access_type=offline&extra=[redacted]');
});
