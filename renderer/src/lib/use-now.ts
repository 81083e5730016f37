import { useEffect, useState } from 'react';

/** The current time, refreshed every `intervalMs`: for "4m ago" labels that must not go stale. */
export function useNow(intervalMs = 5000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}
