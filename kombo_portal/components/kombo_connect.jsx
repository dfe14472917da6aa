import { useEffect, useRef } from "react";
import { showKomboConnect } from "@kombo-api/connect";

// Opens Kombo Connect for `link` and reports how it ended. Each link is opened at
// most once: React StrictMode runs effects twice in development, and a websocket
// reconnect re-renders with the same props; neither may open a second flow.
//
// The library's iframe covers the page but is not a dialog to assistive technology:
// while it is open the rest of the page is made inert (keyboard and screen readers
// stay in the flow), the iframe gets a title and the focus; when it closes, the
// focus goes to `returnFocusTo` (the control that opened the flow is often gone by
// then, replaced by what the flow changed).
export function KomboConnect({
  link,
  useContainer,
  frameTitle,
  returnFocusTo,
  onSuccess,
  onCancel,
  onError,
}) {
  const container = useRef(null);
  const opened = useRef(null);
  const releasePage = useRef(null);

  useEffect(() => {
    if (!link || opened.current === link) return;
    opened.current = link;
    const host = useContainer && container.current ? container.current : null;
    const focusAfter = returnFocusTo;
    const parent = host || document.body;
    const lastBefore = parent.lastElementChild;
    const flow = showKomboConnect(link, host ? { container: host } : {});
    // showKomboConnect appends its iframe before it returns (none if it refused to open).
    const frame = parent.lastElementChild !== lastBefore ? parent.lastElementChild : null;
    if (frame) {
      if (frameTitle) frame.title = frameTitle;
      const undoInert = host ? null : makeOthersInert(frame);
      const keepFocusInFlow = () => {
        if (!frame.isConnected) return;
        // The frame can stay the page's active element while its own document has
        // lost the focus to the page: then its window is what must get it back.
        if (document.activeElement !== frame) frame.focus();
        else frame.contentWindow?.focus();
      };
      keepFocusInFlow();
      // Again once the flow's page is in: focus given to the frame while it was still
      // loading does not always reach the page that loads into it (a keyboard user
      // was then left with nothing focused inside the flow).
      frame.addEventListener("load", keepFocusInFlow, { once: true });
      // The page behind is inert, but a script can still focus it (or its window):
      // the focus goes back into the flow, as a modal dialog keeps it.
      // (After the focus event: focus moved while it is dispatched does not hold.)
      const focusLeft = () => setTimeout(keepFocusInFlow);
      window.addEventListener("focus", focusLeft);
      document.addEventListener("focusin", focusLeft);
      releasePage.current = () => {
        window.removeEventListener("focus", focusLeft);
        document.removeEventListener("focusin", focusLeft);
        undoInert?.();
      };
    }
    const closed = () => {
      releasePage.current?.();
      releasePage.current = null;
      if (focusAfter) document.querySelector(focusAfter)?.focus();
    };
    flow
      .then((activationToken) => {
        opened.current = null;
        closed();
        onSuccess?.(activationToken);
      })
      .catch((error) => {
        const name = (error && error.name) || "Error";
        if (name === "KomboConnectAlreadyOpenError") return; // the open flow goes on
        opened.current = null;
        closed();
        if (name === "KomboConnectCancelledError") onCancel?.();
        else onError?.(name, String((error && error.message) || ""));
      });
  }, [link]);

  // Leaving the page mid-flow must not leave it inert.
  useEffect(() => () => releasePage.current?.(), []);

  return <div ref={container} data-kombo-connect="" />;
}

// Makes every other child of <body> inert; returns the function that undoes it.
function makeOthersInert(frame) {
  const made = [...document.body.children].filter((child) => child !== frame && !child.inert);
  made.forEach((child) => (child.inert = true));
  return () => made.forEach((child) => (child.inert = false));
}
