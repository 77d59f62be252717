// Preloaded into benchmark instances (node --import): reports the process's own memory to
// the parent over the IPC channel once a second, so the soak can follow RSS and heap.
if (typeof process.send === 'function') {
  setInterval(() => {
    const { rss, heapUsed } = process.memoryUsage();
    process.send?.({ rss, heapUsed });
  }, 1_000).unref();
  process.channel?.unref();
}
