import { useEffect, useRef } from "react";
import { showKomboConnect } from "@kombo-api/connect";

// Kombo Connect's embedded flow for `link`, reported once through onSuccess,
// onClose or onError. The link is the trigger: a new link opens a flow (closing the
// one open), no link closes it, and so does unmounting; a flow closed that way
// reports nothing.
//
// The library offers no way to close a flow. Its `container` option watches the
// container and settles the flow as cancelled when its iframe leaves the page, so
// each flow gets a container of its own, which closing removes.
//
// The library's iframe covers the page but is not a dialog to assistive technology:
// while it is open the rest of the page is made inert, the iframe gets a title and
// the focus (and gets it back if a script moves it), and when it closes the focus
// goes to `returnFocusTo`, else to where it was before.
export function KomboConnect({
  link,
  useContainer,
  frameTitle,
  returnFocusTo,
  onSuccess,
  onClose,
  onError,
}) {
  const element = useRef(null);
  // The newest handlers: a flow reports through whatever the page renders by then.
  const report = useRef({});
  report.current = { onSuccess, onClose, onError };

  useEffect(() => {
    if (!link) return undefined;
    const flow = openFlow(link, {
      inside: useContainer ? element.current : null,
      frameTitle,
      returnFocusTo,
      report: (name, ...args) => report.current[name]?.(...args),
    });
    return flow.close;
  }, [link]);

  return <div ref={element} data-kombo-connect="" />;
}

// The library allows one flow at a time and learns that one closed a moment after
// its container goes: a new flow starts once the previous one has settled (React
// StrictMode's mount, unmount and mount again opens one flow, not an error).
let previousSettled = Promise.resolve();

function openFlow(link, { inside, frameTitle, returnFocusTo, report }) {
  const focusedBefore = document.activeElement;
  const host = document.createElement("div");
  host.setAttribute("data-kombo-connect-flow", "");
  let state = "waiting"; // then "open", then "closed"
  let release = () => {};

  const finish = (refocus) => {
    if (state === "closed") return false;
    state = "closed";
    release();
    host.remove();
    if (refocus) {
      const target = (returnFocusTo && document.querySelector(returnFocusTo)) || focusedBefore;
      if (target && target.isConnected) target.focus();
    }
    return true;
  };

  const start = () => {
    if (state !== "waiting") return; // closed before it could start
    if (!isUrl(link)) {
      // The library would throw after marking a flow open, and never open one again.
      finish(false);
      report("onError", "InvalidLinkError", "The Connect link is not a URL.");
      return;
    }
    state = "open";
    (inside || document.body).append(host);
    const flow = showKomboConnect(link, { container: host });
    previousSettled = flow.then(settled, settled);
    // The library puts exactly one element into the container: its iframe.
    const frame = host.querySelector("iframe");
    if (frame) release = holdThePage(frame, host, { frameTitle, inertOthers: !inside });
    flow.then(
      (activationToken) => {
        if (finish(true)) report("onSuccess", activationToken);
      },
      (error) => {
        if (!finish(true)) return; // closed here: nothing to report
        const name = (error && error.name) || "Error";
        if (name === "KomboConnectCancelledError") report("onClose");
        else report("onError", name, String((error && error.message) || ""));
      },
    );
  };

  previousSettled.then(start);
  return { close: () => finish(true) };
}

function settled() {}

function isUrl(text) {
  try {
    return Boolean(new URL(text));
  } catch {
    return false;
  }
}

// While the flow is open: the iframe named and focused, the rest of the page inert.
// Returns what undoes it.
function holdThePage(frame, host, { frameTitle, inertOthers }) {
  if (frameTitle) frame.title = frameTitle;
  const madeInert = inertOthers
    ? [...document.body.children].filter((child) => child !== host && !child.inert)
    : [];
  madeInert.forEach((child) => (child.inert = true));
  const keepFocusInFlow = () => {
    if (!frame.isConnected) return;
    // The frame can stay the page's active element while its own document has lost
    // the focus to the page: then its window is what must get it back.
    if (document.activeElement !== frame) frame.focus();
    else frame.contentWindow?.focus();
  };
  keepFocusInFlow();
  // Again once the flow's page is in: focus given to the frame while it was still
  // loading does not always reach the page that loads into it.
  frame.addEventListener("load", keepFocusInFlow, { once: true });
  // A script can still focus the page behind (or its window); the focus goes back
  // into the flow, as a modal dialog keeps it. After the focus event: focus moved
  // while it is dispatched does not hold.
  const focusLeft = () => setTimeout(keepFocusInFlow);
  window.addEventListener("focus", focusLeft);
  document.addEventListener("focusin", focusLeft);
  return () => {
    window.removeEventListener("focus", focusLeft);
    document.removeEventListener("focusin", focusLeft);
    madeInert.forEach((child) => (child.inert = false));
  };
}
