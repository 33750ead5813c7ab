/**
 * How a room broadcast reaches each websocket. socket.io encodes a broadcast once and keeps its
 * websocket frame as [header, payload]; then, for every socket, engine.io makes a packet, queues
 * it, flushes, marks the transport busy until the write completes and runs its drain cycle, and ws
 * writes the pair corked (a writev of two). Here the frame is joined once per broadcast, and a
 * socket whose engine.io connection is idle — websocket open, nothing queued, no write in flight —
 * gets it handed straight to its ws sender: the call socket.io itself makes for a pre-encoded
 * frame, without engine.io's round. Every other socket (long-polling, upgrading, busy) goes the
 * usual way, so order holds: nothing engine.io still holds is overtaken, and later writes queue
 * behind on the same TCP socket. Same bytes on the wire; real clients see no difference. What a
 * direct frame skips: engine.io's `packetCreate`, `flush` and `drain` events for it (nothing here
 * listens to them).
 */

type Frame = Buffer[];
type PacketOptions = { wsPreEncodedFrame?: Frame };

/** A ws connection as engine.io's websocket transport holds it (`readyState` 1 is OPEN). */
interface WsConnection {
  readyState: number;
  _sender?: { sendFrame?(frame: Frame): void };
}

/** What a broadcast's per-socket callback receives: socket.io's socket, its engine.io connection and transport. */
interface BroadcastSocket {
  notifyOutgoingListeners?(packet: unknown): void;
  client: {
    conn: {
      readyState: string;
      writeBuffer: unknown[];
      transport: { name: string; writable: boolean; perMessageDeflate?: unknown; socket?: WsConnection };
    };
  };
}

/**
 * socket.io-adapter's (private) pair behind every broadcast: broadcast() calls `_encode` once, then
 * at once `apply` with the callback that writes to each socket (the Redis adapters' local delivery
 * goes through the same broadcast()).
 */
interface AdapterInternals {
  _encode(packet: { id?: number }, options: PacketOptions): unknown;
  apply(opts: unknown, callback: (socket: BroadcastSocket) => void): void;
}

const WS_OPEN = 1;

/** Writes the frame if the socket's engine.io connection is idle on an open websocket; false otherwise. */
function writeDirect(socket: BroadcastSocket, frame: Frame): boolean {
  const conn = socket.client.conn;
  const transport = conn.transport;
  const sender = transport.socket?._sender;
  if (
    conn.readyState !== 'open' ||
    transport.name !== 'websocket' ||
    !transport.writable ||
    transport.perMessageDeflate ||
    conn.writeBuffer.length > 0
  )
    return false;
  if (transport.socket?.readyState !== WS_OPEN || typeof sender?.sendFrame !== 'function') return false;
  sender.sendFrame(frame);
  return true;
}

/** Wraps an adapter factory (either Redis adapter) so its broadcasts are written as above. */
export function withDirectFrames<N, A extends object>(factory: (nsp: N) => A): (nsp: N) => A {
  // A function, not an arrow: socket.io calls the adapter option with `new`.
  return function directFramesAdapter(nsp: N): A {
    const adapter = factory(nsp);
    const internals = adapter as unknown as AdapterInternals;
    const encode = internals._encode.bind(adapter);
    const apply = internals.apply.bind(adapter);
    // The frame of the broadcast being encoded, for the apply() that follows it in the same call.
    let pending: { frame: Frame; packet: unknown } | null = null;
    internals._encode = (packet, options) => {
      const encoded = encode(packet, options);
      const frame = options.wsPreEncodedFrame;
      if (frame?.length === 2) {
        options.wsPreEncodedFrame = [Buffer.concat(frame)];
        // A broadcast with acks numbers its packet and registers each socket's ack in its callback: it keeps that path.
        if (packet.id === undefined) {
          pending = { frame: options.wsPreEncodedFrame, packet };
          // Never left for a later apply() (fetchSockets, disconnectSockets…) should one not follow at once.
          queueMicrotask(() => (pending = null));
        }
      }
      return encoded;
    };
    internals.apply = (opts, callback) => {
      const direct = pending;
      pending = null;
      if (!direct) return apply(opts, callback);
      apply(opts, (socket) => {
        if (!writeDirect(socket, direct.frame)) return callback(socket);
        socket.notifyOutgoingListeners?.(direct.packet);
      });
    };
    return adapter;
  };
}
