/** The parent's side channel to a bench server: "ready on port N", and counters on request. */
export function announce(port: number, counters: () => Record<string, number> = () => ({})): void {
  process.on('message', (message: { type?: string }) => {
    // CPU time (user + system) lets the parent report server CPU per request, which stays
    // meaningful even when other processes share the machine.
    if (message.type === 'cpu')
      process.send?.({ type: 'cpu', usage: process.cpuUsage(), counters: counters() });
  });
  process.send?.({ type: 'ready', port });
}
