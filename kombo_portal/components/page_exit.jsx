import { useEffect, useRef } from "react";

// Loads `href` as a whole new document (not in-app navigation), after setting
// `cookie` if given. Replaces `rx.call_script`, which runs through eval and so
// would need 'unsafe-eval' in the Content-Security-Policy.
//
// Each exit carries a new `order`; only a new one is followed. The order this
// tab's state already held when the page became live (`live`) is an old one (a
// page reloaded after leaving) and is never followed again.
export function PageExit({ href, cookie, order, live, method }) {
  const seen = useRef(undefined);

  useEffect(() => {
    if (!live) return;
    if (seen.current === undefined) {
      seen.current = order;
      return;
    }
    if (!order || order === seen.current || !href) return;
    seen.current = order;
    if (cookie) document.cookie = cookie;
    if (method === "post") post(href);
    else window.location.assign(href);
  }, [href, cookie, order, live, method]);

  return null;
}

// A form posted to `href`, as a button in a <form method="post"> would: what changes
// something on the server is never a link another site could make the browser load.
function post(href) {
  const form = document.createElement("form");
  form.method = "post";
  form.action = href;
  form.hidden = true;
  document.body.append(form);
  form.submit();
}
