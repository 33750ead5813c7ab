type PacketOptions = { wsPreEncodedFrame?: Buffer[] };
/** socket.io-adapter's (private) encoder of a broadcast, which every adapter's broadcast() calls once. */
type Encoding = { _encode(packet: unknown, options: PacketOptions): unknown };

/**
 * Broadcasts send each websocket one buffer instead of two. socket.io encodes a broadcast once and
 * keeps its websocket frame as [header, payload], which ws writes to every socket as a corked pair
 * (a writev of two). Joined once per broadcast, the frame is one write per socket: same bytes on
 * the wire, less of Node's stream machinery per socket (cork, the buffered pair, writev's
 * arrays). Polling clients and real socket.io clients see no difference.
 */
export function withSingleFrame<N, A extends object>(factory: (nsp: N) => A): (nsp: N) => A {
  // A function, not an arrow: socket.io calls the adapter option with `new`.
  return function singleFrameAdapter(nsp: N): A {
    const adapter = factory(nsp);
    const encoding = adapter as unknown as Encoding;
    const encode = encoding._encode.bind(adapter);
    encoding._encode = (packet, options) => {
      const encoded = encode(packet, options);
      const frame = options.wsPreEncodedFrame;
      if (frame?.length === 2) options.wsPreEncodedFrame = [Buffer.concat(frame)];
      return encoded;
    };
    return adapter;
  };
}
