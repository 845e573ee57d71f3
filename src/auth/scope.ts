/** An access scope "type:name:action,action", e.g. "repository:library/node:pull,push". */
export interface Scope {
  type: string;
  name: string;
  actions: string[];
}

/** Parses "repository:a/b:pull,push"; the name may contain ':' (a registry with port) so the last ':' splits actions. */
export function parseScope(scope: string): Scope | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last === first) return undefined;
  const actions = scope
    .slice(last + 1)
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions };
}

/** Formats a scope with its actions sorted and deduplicated. */
function formatScope(s: Scope): string {
  return `${s.type}:${s.name}:${[...new Set(s.actions)].sort().join(',')}`;
}

/** "repository:NAME:ACTIONS" for a repository. */
function repositoryScope(name: string, actions: readonly string[]): string {
  return formatScope({ type: 'repository', name, actions: [...actions] });
}

/**
 * Merges scope strings: the same resource's actions are united ("*" absorbs the others); the result
 * is sorted so equal sets give equal strings. Space-separated lists (as in a challenge) are split.
 */
export function mergeScopes(scopes: Iterable<string>): string[] {
  const byResource = new Map<string, Scope>();
  const opaque = new Set<string>();
  for (const raw of scopes) {
    for (const one of raw.split(' ').filter(Boolean)) {
      const s = parseScope(one);
      if (!s) {
        opaque.add(one);
        continue;
      }
      const key = `${s.type}:${s.name}`;
      const prev = byResource.get(key);
      byResource.set(key, prev ? { ...prev, actions: [...prev.actions, ...s.actions] } : s);
    }
  }
  const out = [...byResource.values()].map((s) => formatScope(s.actions.includes('*') ? { ...s, actions: ['*'] } : s));
  return [...out, ...opaque].sort();
}

/** True when `have` grants every action of every scope in `need`. */
export function scopesCover(have: readonly string[], need: readonly string[]): boolean {
  const granted = new Map<string, Set<string>>();
  for (const h of mergeScopes(have)) {
    const s = parseScope(h);
    if (s) granted.set(`${s.type}:${s.name}`, new Set(s.actions));
    else granted.set(h, new Set());
  }
  for (const n of mergeScopes(need)) {
    const s = parseScope(n);
    if (!s) {
      if (!granted.has(n)) return false;
      continue;
    }
    const g = granted.get(`${s.type}:${s.name}`);
    if (!g) return false;
    if (!g.has('*') && !s.actions.every((a) => g.has(a))) return false;
  }
  return true;
}

/**
 * The scopes a registry API request needs, inferred from its path and method (distribution spec):
 * pull for GET/HEAD, pull+push for writes, delete for DELETE, and pull on the source of a blob mount.
 */
export function scopesForRequest(method: string, url: string): string[] {
  const u = new URL(url);
  const name = requestRepository(url);
  if (name === undefined) return [];
  const verb = method.toUpperCase();
  const actions = verb === 'GET' || verb === 'HEAD' ? ['pull'] : verb === 'DELETE' ? ['delete'] : ['pull', 'push'];
  const out = [repositoryScope(name, actions)];
  const from = u.searchParams.get('from');
  if (u.searchParams.get('mount') && from) out.push(repositoryScope(from, ['pull']));
  return mergeScopes(out);
}

/** The repository a registry API URL is about (`/v2/<name>/manifests|blobs|tags|referrers/…`), if any. */
export function requestRepository(url: string): string | undefined {
  const m = /^\/v2\/(.+?)\/(manifests|blobs|tags|referrers)(\/|$)/.exec(new URL(url).pathname);
  return m ? decodeURIComponent(m[1]!) : undefined;
}

/** The repository names the scopes mention, for error messages. */
export function scopeRepositories(scopes: readonly string[]): string[] {
  return scopes
    .map(parseScope)
    .filter((s): s is Scope => s?.type === 'repository')
    .map((s) => s.name);
}
