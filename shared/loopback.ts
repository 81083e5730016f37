/**
 * The one loopback rule: true for the host names and addresses only this machine can reach
 * (`localhost`, `127.0.0.0/8`, `::1` with or without brackets). The core uses it to decide whether a
 * Redis server is local (publishing elsewhere asks for a confirmation; ConnectionStatus.local),
 * `serve` to decide whether its bind address is private.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || h === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
