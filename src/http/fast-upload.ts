import type { ChunkSource } from '../util/chunk-source.js';
import type { FastConnection } from './fast-connection.js';
import type { FastExchange } from './fast-exchange.js';

/** Thrown into a source's pump to stop it: the server answered before the whole body was sent. */
class Answered extends Error {
  constructor() {
    super('the server answered before the whole request body was sent');
    this.name = 'Answered';
  }
}

/** A request body being written on a fast connection. */
export interface BodySending {
  /** True once the source gave its first piece (a source that is not replayable cannot be sent again). */
  readonly started: boolean;
}

/**
 * Writes `source` as the body of the request whose head `exchange` was just sent on `conn`: each
 * piece straight from the source's buffer to the socket, the next asked for only when the socket
 * took it (backpressure without a stream chain). An answer that arrives first (401, 413, 400 from a
 * proxy or a registry that refuses the upload) stops the writing and stands: the exchange reports
 * it, and the connection, its body unfinished, is not reused. A failing source fails the exchange
 * with the source's own error, never a network error of this server.
 */
export function sendBody(conn: FastConnection, exchange: FastExchange, source: ChunkSource): BodySending {
  const state = { started: false };
  let answered = false;
  const markAnswered = (): void => {
    answered = true;
  };
  exchange.head.then(markAnswered, markAnswered);
  conn.bodyPending = true;
  exchange.sending = true;
  let writerFailed = false;
  source
    .pump((chunk) => {
      state.started = true;
      if (answered) throw new Answered();
      return conn.write(chunk).catch((err: unknown) => {
        writerFailed = true;
        throw err;
      });
    })
    .then(
      () => {
        conn.bodyPending = false;
        exchange.sending = false;
      },
      (err: Error) => {
        exchange.sending = false;
        // A write that failed is the connection's failure, which the exchange reports itself (or the answer already stands).
        if (err instanceof Answered || writerFailed) return;
        exchange.fail(err, true);
      },
    );
  return state;
}
