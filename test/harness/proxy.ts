// A loopback TCP proxy in front of a test server, to make it vanish the way a real one does: its
// connections are cut, and new ones are accepted but never answered (a host that stopped
// responding: the worst case for a pool, which waits for its connect timeout). Loopback only.
import type { Socket, TCPSocketListener } from "bun";

export interface TcpProxy {
  readonly port: number;
  /** Cuts every connection; new ones hang unanswered until `restore()`. */
  blackhole(): void;
  /** Forwards new connections again. */
  restore(): void;
  /** Connections accepted so far. */
  readonly accepted: number;
  close(): void;
}

interface Pair {
  upstream?: Socket<Pair>;
  pending: Uint8Array[];
  client: Socket<Pair>;
  dead: boolean;
}

export async function startProxy(targetPort: number): Promise<TcpProxy> {
  let holed = false;
  let accepted = 0;
  const live = new Set<Pair>();
  const held = new Set<Socket<Pair>>();
  const listener: TCPSocketListener<Pair> = Bun.listen<Pair>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(client) {
        accepted++;
        if (holed) {
          held.add(client);
          return;
        }
        const pair: Pair = { pending: [], client, dead: false };
        client.data = pair;
        live.add(pair);
        Bun.connect<Pair>({
          hostname: "127.0.0.1",
          port: targetPort,
          data: pair,
          socket: {
            open(up) {
              if (pair.dead) return void up.end();
              pair.upstream = up;
              for (const chunk of pair.pending.splice(0)) up.write(chunk);
            },
            data(_up, chunk) {
              if (!pair.dead) pair.client.write(chunk);
            },
            close() {
              pair.dead = true;
              pair.client.end();
              live.delete(pair);
            },
            error() {},
          },
        }).catch(() => {
          pair.dead = true;
          client.end();
        });
      },
      data(client, chunk) {
        const pair = client.data;
        if (!pair || pair.dead) return;
        if (pair.upstream) pair.upstream.write(chunk);
        else pair.pending.push(new Uint8Array(chunk));
      },
      close(client) {
        held.delete(client);
        const pair = client.data;
        if (!pair) return;
        pair.dead = true;
        pair.upstream?.end();
        live.delete(pair);
      },
      error() {},
    },
  });
  const cut = () => {
    for (const p of live) {
      p.dead = true;
      p.client.terminate();
      p.upstream?.terminate();
    }
    live.clear();
  };
  return {
    port: listener.port,
    blackhole: () => {
      holed = true;
      cut();
    },
    restore: () => {
      holed = false;
      for (const s of held) s.terminate();
      held.clear();
    },
    get accepted() {
      return accepted;
    },
    close: () => {
      cut();
      for (const s of held) s.terminate();
      listener.stop(true);
    },
  };
}
