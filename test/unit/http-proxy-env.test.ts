import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noProxyMatcher, proxyFor, proxyRulesFromEnv } from '../../src/http/proxy-env.js';
import { RegctlError } from '../../src/errors.js';

test("NO_PROXY entries match as Go's httpproxy does", () => {
  // [NO_PROXY, host, port, bypass?]
  const table: Array<[string, string, number, boolean]> = [
    ['', 'registry.example.com', 443, false],
    ['*', 'anything.example', 443, true],
    ['example.com', 'example.com', 443, true],
    ['example.com', 'registry.example.com', 443, true],
    ['example.com', 'notexample.com', 443, false],
    ['.example.com', 'example.com', 443, false],
    ['.example.com', 'registry.example.com', 443, true],
    ['*.example.com', 'example.com', 443, false],
    ['*.example.com', 'a.b.example.com', 443, true],
    ['registry.example.com:5000', 'registry.example.com', 5000, true],
    ['registry.example.com:5000', 'registry.example.com', 443, false],
    ['10.1.2.3', '10.1.2.3', 443, true],
    ['10.1.2.3', '10.1.2.4', 443, false],
    ['10.1.2.3:5000', '10.1.2.3', 443, false],
    ['10.0.0.0/8', '10.200.3.4', 443, true],
    ['10.0.0.0/8', '11.0.0.1', 443, false],
    ['10.0.0.0/8', 'ten.example', 443, false],
    ['fd00::/8', 'fd12::1', 443, true],
    ['[fd12::1]:5000', '[fd12::1]', 5000, true],
    [' EXAMPLE.com , other.test ', 'Registry.Example.COM', 443, true],
    ['a.test,,b.test', 'b.test', 443, true],
  ];
  for (const [noProxy, host, port, bypass] of table) {
    assert.equal(noProxyMatcher(noProxy)(host, port), bypass, `NO_PROXY=${JSON.stringify(noProxy)} ${host}:${port}`);
  }
});

test('loopback is never proxied, whatever NO_PROXY says', () => {
  for (const noProxy of ['', 'example.com', 'none']) {
    const rules = proxyRulesFromEnv({ HTTPS_PROXY: 'http://proxy.example:3128', HTTP_PROXY: 'http://proxy.example:3128', NO_PROXY: noProxy });
    for (const host of ['localhost', '127.0.0.1', '127.9.8.7', '::1', '[::1]', 'registry.localhost']) {
      assert.equal(proxyFor(rules, 'https:', host, 443), undefined, `${host} with NO_PROXY=${noProxy}`);
      assert.equal(proxyFor(rules, 'http:', host, 80), undefined, `${host} with NO_PROXY=${noProxy}`);
    }
    assert.equal(proxyFor(rules, 'https:', 'registry.corp.test', 443)?.url.host, 'proxy.example:3128');
  }
});

test('HTTPS_PROXY serves https, HTTP_PROXY http; upper case wins; no scheme means http://', () => {
  const rules = proxyRulesFromEnv({ https_proxy: 'lower:1', HTTPS_PROXY: 'upper.example:3128', http_proxy: 'https://plain.example' });
  assert.equal(proxyFor(rules, 'https:', 'r.example', 443)?.url.toString(), 'http://upper.example:3128/');
  assert.equal(proxyFor(rules, 'https:', 'r.example', 443)?.variable, 'HTTPS_PROXY');
  assert.equal(proxyFor(rules, 'http:', 'r.example', 80)?.url.toString(), 'https://plain.example/');
  assert.equal(proxyFor(rules, 'http:', 'r.example', 80)?.variable, 'http_proxy');
  const httpOnly = proxyRulesFromEnv({ HTTP_PROXY: 'http://p:1' });
  assert.equal(proxyFor(httpOnly, 'https:', 'r.example', 443), undefined);
  assert.equal(proxyRulesFromEnv({ NO_PROXY: '*' }), undefined);
  assert.equal(proxyFor(proxyRulesFromEnv({ HTTPS_PROXY: 'http://p:1', no_proxy: 'r.example' }), 'https:', 'r.example', 443), undefined);
});

test('an unsupported or malformed proxy is a usage error that names the variable and hides the password', () => {
  for (const [env, pattern] of [
    [{ HTTPS_PROXY: 'socks5://user:s3cret@p:1080' }, /^HTTPS_PROXY=socks5:\/\/user:\[redacted\]@p:1080: only http:\/\/ and https:\/\/ proxies are supported$/],
    [{ HTTP_PROXY: 'http://[bad' }, /^HTTP_PROXY is not a valid proxy URL$/],
  ] as const) {
    assert.throws(
      () => proxyRulesFromEnv(env),
      (err: unknown) => {
        assert.ok(err instanceof RegctlError && err.kind === 'usage', String(err));
        assert.match(err.message, pattern);
        assert.ok(!err.message.includes('s3cret'));
        return true;
      },
    );
  }
});
