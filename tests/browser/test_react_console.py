"""The watch on the browser's console itself, on a page of its own making (no app):
what fails a browser test, and what is left to the tests that want no error at all."""

from __future__ import annotations

from playwright.sync_api import Browser, Route

from tests.browser.react_console import ReactConsole

PAGE = "http://portal.test/"
PAGE_HTML = """<!doctype html><title>console</title>
<img src="/missing.png" alt="">
<script>
  console.error("In HTML, %s cannot be a descendant of <%s>.", "<div>", "p");
  console.warn('Each child in a list should have a unique "key" prop.');
  console.error("Something else went wrong");
  console.warn("This option is deprecated");
  console.info("Download the React DevTools for a better development experience");
  setTimeout(() => { throw new Error("thrown by a script"); });
</script>"""


def serve(route: Route) -> None:
    if route.request.url == PAGE:
        route.fulfill(status=200, content_type="text/html", body=PAGE_HTML)
    else:
        route.fulfill(status=404, body="")  # a failed resource: the browser logs an error


def test_reacts_errors_and_warnings_and_uncaught_exceptions_are_recorded_and_no_other(
    browser: Browser, react_console: ReactConsole
):
    context = browser.new_context()
    logged: list[str] = []
    try:
        context.on("console", lambda message: logged.append(message.text))
        context.route("http://portal.test/**", serve)
        page = context.new_page()
        with page.expect_event("pageerror"):
            page.goto(PAGE)
        page.wait_for_load_state("load")
    finally:
        context.close()

    problems = react_console.take()

    # Logged, and left alone: neither is React's.
    assert any(text.startswith("Failed to load resource") for text in logged)
    assert "Something else went wrong" in logged

    assert [problem.partition(": ")[0] for problem in problems] == [
        f"error on {PAGE}",
        f"warning on {PAGE}",
        f"uncaught exception on {PAGE}",
    ]
    assert "cannot be a descendant of" in problems[0]
    assert 'unique "key" prop' in problems[1]
    assert "thrown by a script" in problems[2]
