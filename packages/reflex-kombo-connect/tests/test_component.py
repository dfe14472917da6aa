"""The component as Reflex renders it: its tag, props, events and npm package."""

from __future__ import annotations

from pathlib import Path

import reflex as rx

import reflex_kombo_connect
from reflex_kombo_connect import NPM_PACKAGE, NPM_VERSION, KomboConnect, kombo_connect


def rendered_props(component: rx.Component) -> dict[str, str]:
    props = component.render()["props"]
    return dict(prop.split(":", 1) for prop in props)


def test_it_renders_the_flow_component_with_its_props_in_react_names():
    component = kombo_connect(
        link="https://connect.kombo.dev/v1?token=abc",
        frame_title="Connect your HR system",
        return_focus_to="#connect",
        use_container=True,
    )

    assert component.render()["name"] == "KomboConnect"
    assert rendered_props(component) == {
        "link": '"https://connect.kombo.dev/v1?token=abc"',
        "frameTitle": '"Connect your HR system"',
        "returnFocusTo": '"#connect"',
        "useContainer": "true",
    }


def test_its_events_pass_the_token_nothing_or_the_error():
    component = kombo_connect(
        link="https://connect.kombo.dev/v1?token=abc",
        on_success=lambda token: rx.console_log(token),
        on_close=rx.console_log("closed"),
        on_error=lambda name, message: rx.console_log(name + message),
    )

    props = rendered_props(component)
    assert props["onSuccess"].startswith("((_ev_0) =>")
    assert props["onClose"].startswith("((...args) =>")
    assert props["onError"].startswith("((_ev_0, _ev_1) =>")


def test_the_npm_package_is_pinned_and_a_subclass_can_choose_another_version():
    class NewerKomboConnect(KomboConnect):
        npm_version = "1.4.0"

    assert NPM_PACKAGE == "@kombo-api/connect"
    assert kombo_connect(link="").lib_dependencies == [f"@kombo-api/connect@{NPM_VERSION}"]
    assert NewerKomboConnect.create(link="").lib_dependencies == ["@kombo-api/connect@1.4.0"]
    imports = NewerKomboConnect.create(link="")._get_all_imports()
    assert "@kombo-api/connect@1.4.0" in imports
    assert f"@kombo-api/connect@{NPM_VERSION}" not in imports


def test_its_javascript_comes_from_the_package_and_imports_the_library():
    component = kombo_connect(link="")
    script = Path(reflex_kombo_connect.__file__).parent / "kombo_connect.jsx"

    assert "/external/reflex_kombo_connect/kombo_connect/kombo_connect.jsx" in str(
        component.library
    )
    source = script.read_text()
    assert 'from "@kombo-api/connect"' in source
    assert "export function KomboConnect(" in source


def test_every_prop_and_event_says_what_it_does():
    source = (Path(reflex_kombo_connect.__file__).parent / "kombo_connect.py").read_text()
    props = ["link", "use_container", "frame_title", "return_focus_to"]
    events = ["on_success", "on_close", "on_error"]

    assert set(events) <= set(KomboConnect.get_event_triggers())
    assert set(props) <= set(KomboConnect.get_js_fields())
    for name in props + events:
        declaration = source.index(f"\n    {name}: ")
        next_line = source[declaration + 1 :].split("\n", 2)[1]
        assert next_line.strip().startswith('"""'), f"{name} has no docstring"
