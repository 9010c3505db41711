/**
 * The REST floor: a bare Koa app (the Koa jobclock serves on, no router, no middleware) answering
 * every request with one constant JSON object, in a process of its own. bench/jobclock/rest.ts
 * spawns it as it spawns the jobclock server and measures it with the same autocannon settings;
 * whatever it cannot beat is Node.js's HTTP stack, Koa and the loopback on this machine, which
 * every jobclock REST request pays too. Prints `listening on http://127.0.0.1:<port>` once it listens.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';

const app = new Koa();
app.use((ctx) => {
  ctx.body = { id: 'floor', name: 'floor', func: 'examples:echo', trigger: 'interval', next_run_time: '2026-01-01T00:00:00+00:00' };
});
const server = createServer(app.callback());
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`koa floor listening on http://127.0.0.1:${port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
