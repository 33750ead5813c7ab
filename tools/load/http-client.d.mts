/** Types of tools/load/http-client.mjs. */

/** An answer: its status, its ETag header if it had one, and its body (empty for HEAD, 204 and 304). */
export interface Answer {
  status: number;
  etag: string | undefined;
  body: Buffer;
  /** Every header, names lower-cased, when the reader was made with `headers: true`. */
  headers: Record<string, string | string[]> | undefined;
  /** The server closes the connection after this answer (Connection: close, or a body that ran to the close). */
  close: boolean;
}

/** Reads answers, one at a time, from a connection's bytes as they arrive. */
export class AnswerReader {
  /** `headers`: parse every header of each answer (else only the ETag). */
  constructor(options?: { headers?: boolean });
  /** Starts reading the answer to the next request: `noBody` for HEAD; `discard` drops a body below 400. */
  expect(noBody?: boolean, discard?: boolean): void;
  /** Feeds received bytes; the answer once complete. Throws (code HPE_INVALID_RESPONSE) on bytes that are not HTTP. */
  push(chunk: Buffer): Answer | undefined;
  /** The connection closed: the answer if its body ran to the close, else undefined (it was cut short). */
  end(): Answer | undefined;
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
