"""One form layout and one field partial: a copy would drift from the console's look."""

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def test_one_field_partial():
    partials = sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*field*.html"))
    assert partials == ["layout/partials/field.html"]


def test_only_the_field_partial_lays_out_a_label_cell():
    copies = [
        str(p.relative_to(TEMPLATES))
        for p in TEMPLATES.rglob("*.html")
        if 'class="label-cell"' in p.read_text() and p.name != "field.html"
    ]
    assert copies == []


def test_only_the_form_layout_is_a_create_page():
    """A page with the resource's submit label and its one-time token is the form layout."""
    pages = [
        str(p.relative_to(TEMPLATES))
        for p in TEMPLATES.rglob("*.html")
        if "idempotency_key.html" in p.read_text() and "resource.submit_label" in p.read_text()
    ]
    assert sorted(pages) == ["layout/form.html", "loadbalancer/server_group_form.html"]
