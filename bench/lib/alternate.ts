import type { Measurement } from './measure.js';

/** One side of a comparison: makes its untimed preparations, times one run, checks and cleans up. */
export interface Contender {
  name: string;
  run(): Promise<Measurement>;
}

/**
 * Runs `a` and `b` alternately: one warm-up round (not counted), then `rounds` rounds of `repeat`
 * pairs each, swapping which goes first every pair so neither always meets a warmer page cache or
 * a quieter machine. Resolves with the counted runs of each.
 */
export async function alternate(a: Contender, b: Contender, rounds: number, log: (line: string) => void, repeat = 1): Promise<[Measurement[], Measurement[]]> {
  const runs: [Measurement[], Measurement[]] = [[], []];
  let pair = 0;
  let last: Contender | undefined;
  for (let round = 0; round <= rounds; round++) {
    const line: string[] = [];
    for (let r = 0; r < (round === 0 ? 1 : repeat); r++, pair++) {
      const order: [Contender, Measurement[]][] =
        pair % 2 === 0
          ? [
              [a, runs[0]],
              [b, runs[1]],
            ]
          : [
              [b, runs[1]],
              [a, runs[0]],
            ];
      for (const [c, into] of order) {
        const m = await c.run();
        m.afterOther = last !== undefined && last !== c;
        last = c;
        if (round > 0) into.push(m);
        line.push(`${c.name} ${(m.wallMs / 1000).toFixed(3)} s`);
      }
    }
    log(`${round === 0 ? 'warm-up' : `round ${round}`}: ${line.join(', ')}`);
  }
  return runs;
}
