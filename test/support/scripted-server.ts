import { createServer as createHttpServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/** One request as the scripted server saw it. */
export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. "/v2/a/b/manifests/latest". */
  url: string;
  /** Lower-case header names. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Answers one request; the body has already been read into `recorded.body`. */
export type ScriptHandler = (req: IncomingMessage, res: ServerResponse, recorded: RecordedRequest) => void | Promise<void>;

/** A running scripted server. */
export interface ScriptedServer {
  /** "http://127.0.0.1:PORT" (or https). */
  url: string;
  /** "127.0.0.1:PORT". */
  host: string;
  port: number;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

/** TLS material for an https scripted server. */
export interface ScriptedTls {
  key: string;
  cert: string;
  /** When set, a client certificate signed by this CA (PEM) is required (mutual TLS). */
  clientCa?: string;
}

/** Starts a node:http(s) server on 127.0.0.1:0 that records requests and answers with `handler`. */
export async function startScriptedServer(handler: ScriptHandler, tls?: ScriptedTls): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: { ...req.headers },
        body: Buffer.concat(chunks),
      };
      requests.push(recorded);
      Promise.resolve(handler(req, res, recorded)).catch((err: unknown) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    });
  };
  const server: Server = tls
    ? createHttpsServer({ key: tls.key, cert: tls.cert, ...(tls.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}) }, listener)
    : createHttpServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Sends a JSON answer. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(data.length), ...headers });
  res.end(data);
}
