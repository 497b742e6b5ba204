"""Small helpers for Playwright tests: navigation by the console's words, htmx-aware fills."""

from playwright.sync_api import expect


def nav(page, product, link):
    """Click ``link`` under ``product`` in the left navigation (several say "Instances")."""
    sidebar = page.get_by_role("navigation", name="Products")
    product_box = sidebar.locator(
        ".product", has=page.get_by_role("link", name=product, exact=True)
    )
    product_box.get_by_role("link", name=link, exact=True).click()


def htmx_settled(page):
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


def choose(page, label, value=None, *, option_label=None):
    """Select an option of a field that re-renders its form (htmx), and wait for the swap."""
    field = page.get_by_label(label, exact=True)
    with page.expect_response(lambda r: "fragment=form" in r.url):
        if option_label is not None:
            field.select_option(label=option_label)
        else:
            field.select_option(value)
    htmx_settled(page)
    if value is not None:
        expect(page.get_by_label(label, exact=True)).to_have_value(value)
