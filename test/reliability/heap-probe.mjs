// Preloaded into the server under test (`node --expose-gc --import ./heap-probe.mjs …`): on SIGUSR2
// it collects garbage and prints one line `HEAP <heapUsed bytes> <rss bytes>` to stdout, so a test
// can watch the server's memory from outside without an endpoint for it.
process.on('SIGUSR2', () => {
  globalThis.gc?.();
  globalThis.gc?.();
  const { heapUsed, rss } = process.memoryUsage();
  process.stdout.write(`HEAP ${heapUsed} ${rss}\n`);
});
