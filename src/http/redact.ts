/**
 * Query parameters whose values `--debug` shows (lower case); every other value is redacted. An
 * allow-list, not a list of secrets: storage hosts a registry redirects to sign their URLs with
 * parameters of their own (GCS `X-Goog-Signature`/`X-Goog-Credential`, S3 `X-Amz-*`, Azure
 * `sig`/`se`/`sp`, CloudFront `Signature`/`Policy`, Docker Hub's CDN `verify`), and a new one must
 * not leak because nobody listed it. Kept: the Distribution API's own parameters, the token
 * request's, and the signing parameters that say when a URL expires (useful, not secret).
 */
const SHOWN_PARAMS = new Set([
  'n',
  'last',
  'digest',
  'mount',
  'from',
  'artifacttype',
  'service',
  'scope',
  'account',
  'client_id',
  'offline_token',
  'x-amz-algorithm',
  'x-amz-date',
  'x-amz-expires',
  'x-amz-signedheaders',
  'x-goog-algorithm',
  'x-goog-date',
  'x-goog-expires',
  'x-goog-signedheaders',
]);

/** Form fields (a token POST) whose values `--debug` shows; `password`, `refresh_token` and anything else is redacted. */
const SHOWN_FORM_FIELDS = new Set(['grant_type', 'username', 'client_id', 'service', 'scope', 'access_type']);

/** Header names whose values are credentials (lower case); the auth scheme name is kept. */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'x-registry-auth']);

/** The placeholder that replaces every secret. */
export const REDACTED = '[redacted]';

function decodedName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' ')).toLowerCase();
  } catch {
    return raw.toLowerCase();
  }
}

function redactPairs(text: string, shown: ReadonlySet<string>): string {
  return text
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      return shown.has(decodedName(pair.slice(0, eq))) ? pair : `${pair.slice(0, eq)}=${REDACTED}`;
    })
    .join('&');
}

/** Replaces the values of an `a=1&b=2` form body, except the fields a reader needs (see SHOWN_FORM_FIELDS). */
export function redactForm(form: string): string {
  return redactPairs(form, SHOWN_FORM_FIELDS);
}

/**
 * A URL for logs and error messages: the password of its user info and every query value outside
 * the allow-list (see SHOWN_PARAMS) redacted; scheme, host, path and parameter names kept.
 */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    const q = url.indexOf('?');
    return q < 0 ? url : `${url.slice(0, q)}?${redactPairs(url.slice(q + 1), SHOWN_PARAMS)}`;
  }
  const q = u.search;
  const userinfo = u.username ? `${u.username}${u.password ? `:${REDACTED}` : ''}@` : '';
  const base = `${u.protocol}//${userinfo}${u.host}${u.pathname}`;
  return q ? `${base}?${redactPairs(q.slice(1), SHOWN_PARAMS)}` : base;
}

/** `name=value; name2=value2` (Cookie) or `name=value; Attr; Attr=x` (Set-Cookie) with every cookie value redacted. */
function redactCookies(value: string, setCookie: boolean): string {
  return value
    .split(';')
    .map((part, i) => {
      if (setCookie && i > 0) return part;
      const eq = part.indexOf('=');
      return eq < 0 ? part : `${part.slice(0, eq)}=${REDACTED}`;
    })
    .join(';');
}

/** A header value with its secret part redacted: the auth scheme name and cookie names are kept, credentials are not. */
export function redactHeader(name: string, value: string): string {
  const lower = name.toLowerCase();
  if (lower === 'location' || lower === 'content-location' || lower === 'link') return lower === 'link' ? redactLink(value) : redactUrl(value);
  if (lower === 'cookie' || lower === 'set-cookie') return redactCookies(value, lower === 'set-cookie');
  if (!SECRET_HEADERS.has(lower)) return value;
  const m = /^(basic|bearer)\s+/i.exec(value);
  return m ? `${m[1]} ${REDACTED}` : REDACTED;
}

/** A `Link` header with the query values of each `<url>` redacted like any URL. */
function redactLink(value: string): string {
  return value.replace(/<([^>]*)>/g, (_all, target: string) => `<${redactUrl(target)}>`);
}
