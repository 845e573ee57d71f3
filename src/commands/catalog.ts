import { parseRegistryName } from '../ref/registry.js';
import { forEachCatalogPage } from '../registry/catalog.js';
import type { Session } from '../session.js';
import type { CommandIo } from './io.js';
import { namingErrors } from './name-errors.js';
import { listingOutput } from './listing-output.js';
import { CATALOG_FORMAT, outputFormat } from './row-formats.js';

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

/** What `regctl catalog` printed: the registry and how many repositories (the names were streamed). */
export interface CatalogResult {
  registry: string;
  count: number;
}

/**
 * Lists the repositories of a registry (`/v2/_catalog`), following `Link` pagination; one a line,
 * printed page by page as they arrive. `--json`: `{"registry": …, "repositories": […]}`, streamed.
 */
export async function catalog(session: Session, options: CatalogOptions, io: CommandIo): Promise<CatalogResult> {
  const registry = parseRegistryName(options.registry);
  const format = outputFormat(options.format, CATALOG_FORMAT);
  const out = listingOutput(
    { head: { registry }, key: 'repositories', json: !!options.json, format, row: (r) => ({ Registry: registry, Repository: r, Name: `${registry}/${r}` }) },
    io,
  );
  let count = 0;
  await namingErrors(`registry ${registry}`, () =>
    forEachCatalogPage(session.client(registry), options.pageSize, (page) => {
      count += page.length;
      return out.page(page);
    }),
  );
  out.end();
  return { registry, count };
}
