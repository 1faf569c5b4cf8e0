/**
 * A small TCP load balancer for the replica tests: each new connection goes to the next
 * backend in turn; a backend that refuses the connection is skipped for that connection.
 * TCP, not HTTP, so keep-alive connections and WebSocket channels pass unchanged, and a
 * killed backend drops exactly the connections it held — as behind a real balancer.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface RoundRobinProxy {
  /** http://127.0.0.1:port */
  url: string;
  /** Replaces the backends (a restarted replica listens on a new port); undefined slots are skipped. */
  setBackend(index: number, address: { host: string; port: number } | undefined): void;
  /** While held, answers stay with the proxy (a backend that is connected but silent, as a stalled server is); released, they flow on. */
  hold(held: boolean): void;
  close(): Promise<void>;
}

export async function startRoundRobinProxy(
  backends: Array<{ host: string; port: number } | undefined>,
): Promise<RoundRobinProxy> {
  const list = [...backends];
  let next = 0;
  const open = new Set<Socket>();
  /** Each connection's upstream and client, for `hold`. */
  const pairs = new Map<Socket, Socket>();
  let holding = false;
  const connectTo = (client: Socket, tried: number) => {
    if (tried >= list.length) {
      client.destroy();
      return;
    }
    const index = next++ % list.length;
    const backend = list[index];
    if (backend === undefined) {
      connectTo(client, tried + 1);
      return;
    }
    const upstream = createConnection(backend);
    open.add(upstream);
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      client.pipe(upstream);
      pairs.set(upstream, client);
      if (!holding) upstream.pipe(client);
      client.resume();
    });
    upstream.on('error', () => {
      if (!connected) connectTo(client, tried + 1);
      else client.destroy();
    });
    upstream.on('close', () => {
      open.delete(upstream);
      pairs.delete(upstream);
      if (connected) client.destroy();
    });
    client.on('close', () => upstream.destroy());
    client.on('error', () => upstream.destroy());
  };
  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    connectTo(client, 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    setBackend(index, address) {
      list[index] = address;
    },
    hold(held) {
      holding = held;
      for (const [upstream, client] of pairs) {
        if (held) {
          upstream.unpipe(client);
          upstream.pause();
        } else upstream.pipe(client);
      }
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
