import { RegctlError } from '../errors.js';
import { isRegistryHost, normalizeRegistry } from './reference.js';

/**
 * Parses a registry named on its own (`catalog REGISTRY`): `host[:port]`, optionally written as a URL
 * (`https://host/`, as `docker login` stores it); Docker Hub's aliases become `docker.io`. A
 * repository path is a usage error (exit 2).
 */
export function parseRegistryName(input: string): string {
  let host = input.trim().replace(/^https?:\/\//i, '').replace(/\/(v2\/?)?$/, '');
  if (host.includes('/')) {
    throw new RegctlError('usage', `invalid registry "${input}": give a registry host such as localhost:5000 or ghcr.io, not a repository`);
  }
  if (!isRegistryHost(host)) throw new RegctlError('usage', `invalid registry "${input}": expected host[:port], e.g. localhost:5000 or registry.example.com`);
  host = normalizeRegistry(host);
  return host;
}
