// Module hooks for load-trace.ts (they run on the loader's own thread): each resolved URL is
// appended to the trace file as it is resolved.
import { appendFileSync } from 'node:fs';

let out = '';

/** Receives the trace file from load-trace.ts. */
export function initialize(data: { out: string }): void {
  out = data.out;
}

/** Records every module the process resolves, then resolves it as usual. */
export async function resolve(
  specifier: string,
  context: unknown,
  next: (specifier: string, context: unknown) => Promise<{ url: string }>,
): Promise<{ url: string }> {
  const result = await next(specifier, context);
  appendFileSync(out, `module ${result.url}\n`);
  return result;
}
