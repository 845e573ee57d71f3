import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactForm, redactHeader, redactUrl } from '../../src/http/redact.js';

test('redactUrl hides secret query values and passwords, keeps the rest', () => {
  const cases: Array<[string, string]> = [
    ['https://r.io/v2/a/blobs/sha256:1?token=abc&x=1', 'https://r.io/v2/a/blobs/sha256:1?token=[redacted]&x=1'],
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
  assert.equal(redactHeader('Cookie', 'a=b'), '[redacted]');
  assert.equal(redactHeader('Location', 'https://s3/x?sig=1'), 'https://s3/x?sig=[redacted]');
  assert.equal(redactHeader('Content-Type', 'application/json'), 'application/json');
});
