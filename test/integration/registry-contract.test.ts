import { after } from 'node:test';
import { Session } from '../../src/session.js';
import { parseReference } from '../../src/ref/reference.js';
import { runTargetContract } from '../support/target-contract.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { isolatedEnv, tempDir } from '../support/cli.js';

// The same contract MemoryStore and LayoutStore pass, against the real distribution registry.
let registry: Promise<RunningRegistry> | undefined;
let session: Promise<Session> | undefined;
const cache = tempDir('regctl-contract-');
let n = 0;

after(async () => {
  if (session) await (await session).close();
  if (registry) await (await registry).stop();
  cache.remove();
});

runTargetContract('RegistryRepository', async () => {
  registry ??= startRegistry({ mode: 'open' });
  const reg = await registry;
  session ??= Session.create({ cacheDir: cache.dir, env: { ...isolatedEnv() } });
  const s = await session;
  return s.repository(parseReference(`${reg.host}/contract/repo${++n}`));
});
