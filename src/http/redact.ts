/** Query-string and form field names whose values are secrets (lower case). */
const SECRET_FIELDS = new Set([
  'token',
  'access_token',
  'refresh_token',
  'password',
  'client_secret',
  'x-amz-signature',
  'x-amz-security-token',
  'x-amz-credential',
  'signature',
  'sig',
]);

/** Header names whose values are secrets (lower case). */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-registry-auth']);

/** The placeholder that replaces every secret. */
export const REDACTED = '[redacted]';

/** Replaces the values of secret fields in an `a=1&b=2` string. */
export function redactForm(form: string): string {
  return form
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      let name = pair.slice(0, eq);
      try {
        name = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // keep the raw name
      }
      return SECRET_FIELDS.has(name.toLowerCase()) ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
    })
    .join('&');
}

/** A URL with user info and secret query values redacted, for logs and error messages. */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    const q = url.indexOf('?');
    return q < 0 ? url : `${url.slice(0, q)}?${redactForm(url.slice(q + 1))}`;
  }
  const q = u.search;
  const userinfo = u.username ? `${u.username}${u.password ? `:${REDACTED}` : ''}@` : '';
  const base = `${u.protocol}//${userinfo}${u.host}${u.pathname}`;
  return q ? `${base}?${redactForm(q.slice(1))}` : base;
}

/** A header value with its secret part redacted: the auth scheme name is kept, the credential is not. */
export function redactHeader(name: string, value: string): string {
  const lower = name.toLowerCase();
  if (lower === 'location' || lower === 'content-location') return redactUrl(value);
  if (!SECRET_HEADERS.has(lower)) return value;
  const m = /^(basic|bearer)\s+/i.exec(value);
  return m ? `${m[1]} ${REDACTED}` : REDACTED;
}
