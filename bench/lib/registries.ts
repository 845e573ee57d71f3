import { startRegistry, type AccessEntry, type RunningRegistry } from '../../test/support/registry.js';

/** Registries started by a row, each stopped by {@link RegistryPool.stopAll} even when the row fails. */
export class RegistryPool {
  private readonly live = new Set<RunningRegistry>();

  /** Starts a fresh open (plain HTTP, no auth) registry on loopback. */
  async fresh(): Promise<RunningRegistry> {
    const r = await startRegistry({ mode: 'open' });
    this.live.add(r);
    return r;
  }

  /** Stops one registry. */
  async drop(r: RunningRegistry): Promise<void> {
    this.live.delete(r);
    await r.stop();
  }

  /** Stops every registry still running. */
  async stopAll(): Promise<void> {
    for (const r of [...this.live]) await this.drop(r);
  }
}

/** Blob traffic in an access log: upload requests, blob reads and successful mounts (bytes are not logged). */
export function blobTraffic(log: AccessEntry[]): { uploads: number; reads: number; mounts: number } {
  return {
    uploads: log.filter((e) => (e.method === 'PUT' || e.method === 'PATCH') && e.path.includes('/blobs/uploads/')).length,
    reads: log.filter((e) => e.method === 'GET' && /\/blobs\/sha256:/.test(e.path)).length,
    mounts: log.filter((e) => e.method === 'POST' && e.query.includes('mount=') && e.status === 201).length,
  };
}
