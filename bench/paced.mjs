// Open-loop load for the latency benches: every tick sends all that is due since the start, so a late
// timer or a slow send does not lower the rate.

/**
 * Calls `send()` `total` times at `rate` per second (while `canSend()` allows; the rest waits for a
 * later tick) and resolves with the seconds it took.
 */
export async function sendAtRate(rate, total, send, { canSend = () => true, tickMs = 1 } = {}) {
  let sent = 0;
  const t0 = performance.now();
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
      while (sent < due && canSend()) {
        send();
        sent++;
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, tickMs);
  });
  return (performance.now() - t0) / 1000;
}
