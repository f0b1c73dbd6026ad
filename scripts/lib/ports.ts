import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

/**
 * A port nothing listens on, kept away from the machine's other port picks for the next minute.
 * A port that is merely closed again can be handed to the next bind(0) before our server binds it:
 * Temporal's dev server picks five ports of its own that way while starting, and one lost race is a
 * failed CI run. Closing one connection from the listening side first leaves the port in TIME_WAIT,
 * which bind(0) and connect() avoid, while an explicit bind with SO_REUSEADDR still succeeds (Node,
 * Go and PostgreSQL all set it). The Temporal CLI reserves its own ports the same way.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const accepted = once(server, 'connection');
  const client = connect(port, '127.0.0.1');
  const [socket] = (await accepted) as [Socket];
  socket.end(); // the listening side closes first: its end of the connection waits in TIME_WAIT
  client.resume().end();
  await once(client, 'close');
  server.close();
  await once(server, 'close');
  return port;
}

/** Whether something already accepts connections on 127.0.0.1:port. */
export function isPortInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}
