import { RegctlError } from '../errors.js';

/**
 * Runs a transfer and makes sure an error from deep inside it (a digest mismatch, a truncated blob)
 * names the image it was about, as SPEC §4 asks of every error line.
 */
export async function namingErrors<T>(name: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof RegctlError && !err.message.includes(name)) {
      const named = new RegctlError(err.kind, `${name}: ${err.message}`, { cause: err });
      named.reported = err.reported;
      throw named;
    }
    throw err;
  }
}
