// Whether the service answers: a TCP connection to the NFS port of the service IP. This is what a client
// needs first, and it works from either node without any credentials on the peer.
import { connect } from "node:net";

export const NFS_PORT = 2049;

/** True when a TCP connection to host:port is accepted within timeoutMs. */
export function answersTcp(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}
