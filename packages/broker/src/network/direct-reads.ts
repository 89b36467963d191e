import { Socket } from "node:net";

/** Where a socket's reads land and who is told of them (net.Socket's `onread`). */
export interface DirectReadSink {
  /** The buffer the next read fills (called after every read, so it may change each time). */
  readTarget(): Buffer;
  /** `bytes` were read into `into` (the buffer readTarget last gave). */
  onRead(bytes: number, into: Buffer): void;
}

/** The private fields of an accepted net.Socket that moving its handle needs. */
interface AcceptedSocket {
  _handle: unknown;
  _server: unknown;
  server: unknown;
}

/**
 * Re-wraps a plain TCP socket accepted with `pauseOnConnect` so that reads go into buffers the
 * sink chooses (the rest of a large request frame) instead of a fresh 64 KiB buffer per read that
 * is then copied: a 1 MB produce request cost ~500 us of CPU to receive that way, ~160 us read in
 * place (/tmp microbenchmark, 2 GB over loopback). Node builds such sockets only from a handle
 * (`onread` is a client option), so the handle moves to a new Socket; the server's connection
 * count moves with it. Undefined when the socket is not a paused plain TCP one: use it as it is.
 */
export function directReadSocket(accepted: Socket, sink: DirectReadSink): Socket | undefined {
  const old = accepted as unknown as AcceptedSocket;
  const handle = old._handle;
  if (handle === null || handle === undefined || !accepted.isPaused()) return undefined;
  old._handle = null;
  const socket = new Socket({
    handle,
    readable: true,
    writable: true,
    onread: {
      buffer: () => sink.readTarget(),
      callback: (bytes: number, into: Uint8Array) => {
        sink.onRead(bytes, into as Buffer);
        return true;
      },
    },
  } as ConstructorParameters<typeof Socket>[0]);
  const moved = socket as unknown as AcceptedSocket;
  moved._server = old._server;
  moved.server = old.server;
  return socket;
}
