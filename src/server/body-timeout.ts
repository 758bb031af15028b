import type { FastifyInstance } from 'fastify';

/**
 * Closes a connection whose request body stops arriving for `ms` (a stalled or deliberately slow
 * upload): the upload's stream then fails, so its route deletes the temporary file. The clock runs
 * only while the body is being received; once it has ended, processing may take as long as it needs.
 */
export function addBodyTimeout(app: FastifyInstance, ms: number): void {
  app.addHook('onRequest', async (req) => {
    const raw = req.raw;
    const length = raw.headers['content-length'];
    const hasBody =
      (length !== undefined && length !== '0') || raw.headers['transfer-encoding'] !== undefined;
    if (!hasBody || raw.complete) return;
    const socket = raw.socket;
    const onTimeout = () => {
      req.log.info({ seconds: ms / 1000 }, 'request body stalled; connection closed');
      socket.destroy();
    };
    socket.setTimeout(ms);
    socket.on('timeout', onTimeout);
    raw.once('end', () => {
      socket.off('timeout', onTimeout);
      socket.setTimeout(0);
    });
    // a request that ends early (refused, or the client went away) leaves Node's own timeouts alone
    raw.once('close', () => socket.off('timeout', onTimeout));
  });
}
