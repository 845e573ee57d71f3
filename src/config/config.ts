import { join } from 'node:path';
import type { z } from 'zod';
import { lazySchema } from '../util/lazy-schema.js';
import { readJsonFile } from '../util/read-json-file.js';
import { parseMirror, type MirrorEndpoint } from './mirror.js';

const schemas = lazySchema((z) => {
  const MirrorSchema = z
    .string()
    .min(1)
    .superRefine((entry, ctx) => {
      const parsed = parseMirror(entry);
      if ('error' in parsed) ctx.addIssue({ code: 'custom', message: `mirror ${parsed.error}` });
    });
  const RegistryConfigSchema = z.strictObject({
    insecure: z.boolean().optional(),
    ca: z.string().optional(),
    clientCert: z.string().optional(),
    clientKey: z.string().optional(),
    mirrors: z.array(MirrorSchema).optional(),
    credentialStore: z.enum(['keychain', 'file', 'docker']).optional(),
  });
  const ConfigSchema = z.strictObject({
    registries: z.record(z.string(), RegistryConfigSchema).optional(),
    credentialStore: z.enum(['keychain', 'file', 'docker']).optional(),
    concurrency: z.number().int().min(1).max(64).optional(),
    /** Seconds a registry may stay silent before a request fails (SPEC §6 `--timeout`). */
    timeout: z.number().positive().max(86_400).optional(),
  });
  return { RegistryConfigSchema, ConfigSchema };
});

type Schemas = Awaited<ReturnType<typeof schemas>>;

/** Settings for one registry host in config.json (SPEC §5). */
export type RegistryConfig = z.infer<Schemas['RegistryConfigSchema']>;
/** The parsed regctl config file. */
export type Config = z.infer<Schemas['ConfigSchema']>;

/**
 * Reads `<dir>/config.json`; a missing file is an empty config, a bad one a usage error naming the
 * field. zod is loaded only when there is a file to check.
 */
export async function loadConfig(dir: string): Promise<Config> {
  const schema = async () => (await schemas()).ConfigSchema;
  return (await readJsonFile(join(dir, 'config.json'), schema, { label: 'config file', absent: ['ENOENT'] })) ?? {};
}

/** The mirrors configured for a registry host, parsed (the config was validated when loaded). */
export function registryMirrors(config: Config, host: string): MirrorEndpoint[] {
  return (registryConfig(config, host).mirrors ?? []).flatMap((m) => {
    const parsed = parseMirror(m);
    return 'error' in parsed ? [] : [parsed];
  });
}

/** The config of one registry host, or an empty object. */
export function registryConfig(config: Config, host: string): RegistryConfig {
  return config.registries?.[host] ?? {};
}
