import { RegctlError } from '../errors.js';

/**
 * Runs a transfer and makes sure an error from deep inside it (a digest mismatch, a truncated blob)
 * names the image it was about, as SPEC §4 asks of every error line. An error whose subject is
 * that image already names it; any other gets `name: ` in front, keeping its class and data.
 */
export async function namingErrors<T>(name: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof RegctlError && err.subject !== name) {
      const named = err.withMessage(`${name}: ${err.message}`);
      named.subject = name;
      throw named;
    }
    throw err;
  }
}
