// undici's package index also loads fetch, WebSocket, cookies and the cache (~30-100 ms at every
// start); regctl needs only the agent and the retry interceptor (connections are opened by
// src/http/socket-connect.ts), so it imports those files directly (undici 7 has no "exports"
// map, so the paths are public).
import type * as Undici from 'undici';
import AgentImpl from 'undici/lib/dispatcher/agent.js';
import retryImpl from 'undici/lib/interceptor/retry.js';
import DispatcherBase from 'undici/lib/dispatcher/dispatcher.js';
import request from 'undici/lib/api/api-request.js';

// As undici's index does, but request() alone (its stream, pipeline, upgrade and connect APIs are unused).
Object.assign((DispatcherBase as { prototype: object }).prototype, { request });

/** undici's Agent. */
export const Agent = AgentImpl as unknown as typeof Undici.Agent;
/** undici's retry interceptor (redirects are followed by our transport). */
export const interceptors = {
  retry: retryImpl as unknown as typeof Undici.interceptors.retry,
};
