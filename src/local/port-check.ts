import { connect } from 'node:net';

/** True when something accepts TCP connections at that http://host:port URL. */
export async function isListening(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Waits until none of the URLs accepts connections any more. */
export async function waitForPortsClosed(urls: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = (await Promise.all(urls.map(isListening))).some(Boolean);
    if (!open || Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
