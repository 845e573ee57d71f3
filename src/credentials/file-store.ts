import { chmod, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { z } from 'zod';
import { RegctlError, errnoCode } from '../errors.js';
import { lazySchema } from '../util/lazy-schema.js';
import { readJsonFile } from '../util/read-json-file.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';
import { normalizeRegistry } from '../ref/registry.js';
import { fromStoredSecret, toStoredSecret } from './stored-secret.js';
import type { Credential, CredentialStore } from './types.js';

/** The file store's file name inside the regctl config directory. */
const CREDENTIALS_FILE = 'credentials.json';

/** The warning login prints when it writes the file store. */
export const FILE_STORE_WARNING = 'credentials are stored unencrypted in a file only your user can read; prefer the OS keychain where one is available';

const fileSchema = lazySchema((z) => z.looseObject({ registries: z.record(z.string(), z.unknown()).optional() }));

type FileDoc = z.infer<Awaited<ReturnType<typeof fileSchema>>>;

/** The file store's path for a config directory. */
export function credentialsFile(configDir: string): string {
  return join(configDir, CREDENTIALS_FILE);
}

/**
 * The opt-in plain-file store (`--store file` or config): `<configDir>/credentials.json`, mode 0600 in a
 * 0700 directory, one {username, secret, kind} entry per normalized registry. Not encrypted.
 */
export class FileStore implements CredentialStore {
  /** The file this store reads and writes. */
  readonly file: string;

  /** Does no I/O until the first call. */
  constructor(file: string) {
    this.file = file;
  }

  /** The credential for `server`; undefined when the file or entry is missing. */
  async get(server: string): Promise<Credential | undefined> {
    const doc = await this.#read();
    const entry = doc?.registries?.[normalizeRegistry(server)];
    return entry === undefined ? undefined : fromStoredSecret(entry);
  }

  /** Stores (or replaces) the entry for `server`, creating the file 0600 (directory 0700). */
  async put(server: string, cred: Credential): Promise<void> {
    const doc = (await this.#read()) ?? {};
    await this.#write({ ...doc, registries: { ...(doc.registries ?? {}), [normalizeRegistry(server)]: toStoredSecret(cred) } });
  }

  /** Removes the entry for `server`; false when there was none. The file goes when it is empty. */
  async delete(server: string): Promise<boolean> {
    const doc = await this.#read();
    const key = normalizeRegistry(server);
    if (!doc?.registries || !(key in doc.registries)) return false;
    const registries = { ...doc.registries };
    delete registries[key];
    if (Object.keys(registries).length === 0 && Object.keys(doc).length === 1) await rm(this.file, { force: true });
    else await this.#write({ ...doc, registries });
    return true;
  }

  #read(): Promise<FileDoc | undefined> {
    return readJsonFile(this.file, fileSchema, { label: 'credentials file', remedy: '; fix or delete it' });
  }

  async #write(doc: FileDoc): Promise<void> {
    const dir = dirname(this.file);
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await chmod(dir, 0o700);
    } catch (err) {
      throw new RegctlError('failed', `cannot write credentials file ${this.file}: ${errnoCode(err) ?? 'write error'}`, { cause: err });
    }
    // Created 0600 under a temp name and renamed, so the file is never briefly readable by others or half-written.
    await writeFileAtomic(this.file, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600, label: 'credentials file' });
  }
}
