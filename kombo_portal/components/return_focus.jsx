// For a dialog opened from state rather than by a Radix Trigger: Radix has nothing to
// give the focus back to when it closes, so it would land on <body> (and a keyboard
// or screen reader user at the top of the page). As the dialog's onCloseAutoFocus,
// this gives it to the first element found of `selectors` (CSS) instead.
export function returnFocusTo(...selectors) {
  return (event) => {
    const target = selectors
      .map((selector) => (selector ? document.querySelector(selector) : null))
      .find((element) => element);
    if (!target) return; // Radix's default then
    event?.preventDefault?.();
    target.focus();
  };
}
