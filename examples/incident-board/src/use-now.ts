import { useEffect, useState } from 'react';

/** The time, renewed every `intervalMs`, so that "12 s ago" keeps counting. */
export function useNow(intervalMs: number): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
