/** Types of bench/http-client.mjs. */

/** An answer: its status, its ETag header if it had one, and its body (empty for 204 and 304). */
export interface Answer {
  status: number;
  etag: string | undefined;
  body: Buffer;
}

export interface Connection {
  /** True once the server or the network closed it: open a new one. */
  readonly closed: boolean;
  /** Writes a prepared request (see requestHead) and resolves with its answer. */
  send(request: string): Promise<Answer>;
  close(): void;
}

/** The start of a request to `url`: its request line and Host header, each ending in CRLF. */
export function requestHead(method: string, url: string): string;

/** One keep-alive connection to `url`'s host and port. */
export function connection(url: string): Connection;
