import { parseRegistryName } from '../ref/registry.js';
import { listCatalog } from '../registry/catalog.js';
import type { Session } from '../session.js';
import type { CommandIo } from './io.js';
import { namingErrors } from './name-errors.js';
import { CATALOG_FORMAT, outputFormat, printRows } from './row-formats.js';

/** Options of `regctl catalog`. */
export interface CatalogOptions {
  /** A registry host: `localhost:5000`, `registry.example.com`, `https://host/`. */
  registry: string;
  json?: boolean;
  /** Repositories asked for per request (`?n=`); default: the registry's own page size. */
  pageSize?: number;
  /** docker's Go-template subset per repository (fields Registry, Repository, Name). */
  format?: string;
}

/** The `--json` document of `regctl catalog` (fields are stable; new ones may be added). */
export interface CatalogResult {
  registry: string;
  repositories: string[];
}

/** Lists the repositories of a registry (`/v2/_catalog`), following `Link` pagination; one a line. */
export async function catalog(session: Session, options: CatalogOptions, io: CommandIo): Promise<CatalogResult> {
  const registry = parseRegistryName(options.registry);
  const format = outputFormat(options.format, CATALOG_FORMAT);
  const repositories = await namingErrors(`registry ${registry}`, () => listCatalog(session.client(registry), options.pageSize));
  const result = { registry, repositories };
  if (format)
    printRows(
      format,
      repositories.map((r) => ({ Registry: registry, Repository: r, Name: `${registry}/${r}` })),
      io,
    );
  else if (options.json) io.out(JSON.stringify(result, null, 2));
  else for (const r of repositories) io.out(r);
  return result;
}
