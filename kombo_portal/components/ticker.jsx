import { useEffect, useRef } from "react";

// Calls onTick every `interval` milliseconds while the page is visible.
export function Ticker({ interval, onTick }) {
  const tick = useRef(onTick);
  tick.current = onTick;

  useEffect(() => {
    const period = Math.max(500, Number(interval) || 2000);
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") tick.current?.();
    }, period);
    return () => clearInterval(timer);
  }, [interval]);

  return null;
}
