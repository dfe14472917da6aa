import { useEffect, useRef } from "react";

// Changes reach the page by push; this asks for the page again only when it may
// have missed one: back into view after being hidden, or told it is stale.
export function PageWatch({ stale, onReturn }) {
  const back = useRef(onReturn);
  back.current = onReturn;

  useEffect(() => {
    let hidden = document.visibilityState === "hidden";
    const seen = () => {
      if (document.visibilityState === "hidden") {
        hidden = true;
      } else if (hidden) {
        hidden = false;
        back.current?.();
      }
    };
    document.addEventListener("visibilitychange", seen);
    return () => document.removeEventListener("visibilitychange", seen);
  }, []);

  useEffect(() => {
    if (stale) back.current?.();
  }, [stale]);

  return null;
}
