import { useEffect, useRef } from "react";
import { showKomboConnect } from "@kombo-api/connect";

// Opens Kombo Connect for `link` and reports how it ended. Each link is opened at
// most once: React StrictMode runs effects twice in development, and a websocket
// reconnect re-renders with the same props; neither may open a second flow.
export function KomboConnect({ link, useContainer, onSuccess, onCancel, onError }) {
  const container = useRef(null);
  const opened = useRef(null);

  useEffect(() => {
    if (!link || opened.current === link) return;
    opened.current = link;
    const options = useContainer && container.current ? { container: container.current } : {};
    showKomboConnect(link, options)
      .then((activationToken) => {
        opened.current = null;
        onSuccess?.(activationToken);
      })
      .catch((error) => {
        const name = (error && error.name) || "Error";
        if (name === "KomboConnectAlreadyOpenError") return; // the open flow goes on
        opened.current = null;
        if (name === "KomboConnectCancelledError") onCancel?.();
        else onError?.(name, String((error && error.message) || ""));
      });
  }, [link]);

  return <div ref={container} data-kombo-connect="" />;
}
