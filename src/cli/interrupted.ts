/** The user pressed Ctrl-C where regctl reads the terminal itself (a secret prompt in raw mode, where no SIGINT comes). */
export class InterruptedError extends Error {
  /** What shells report for a process ended by SIGINT (128 + 2), as for a Ctrl-C anywhere else. */
  readonly exitCode = 130;

  constructor(message: string) {
    super(message);
    this.name = 'InterruptedError';
  }
}
