import type { Descriptor } from '../oci/descriptor.js';
import type { RegistryClient } from './client.js';
import { discard } from '../util/discard.js';
import { responseError } from './errors.js';

/** HEADs a blob: true when the registry has it, false on 404. */
export async function headBlob(client: RegistryClient, repository: string, desc: Descriptor, what: string, scopes?: readonly string[]): Promise<boolean> {
  const { res, url } = await client.request({ method: 'HEAD', path: `/v2/${repository}/blobs/${desc.digest}`, fast: 'whole', ...(scopes ? { scopes } : {}) });
  discard(res);
  if (res.status === 200) return true;
  if (res.status === 404) return false;
  throw await responseError(res, 'HEAD', url, what);
}
