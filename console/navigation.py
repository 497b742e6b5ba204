"""The products of the left navigation: each a title and its pages (URL names)."""

from django.urls import NoReverseMatch, reverse

PRODUCTS = [
    (
        "PrivateLink",
        [
            ("Endpoints", "privatelink:endpoints-list"),
            ("Endpoint Service", "privatelink:endpoint-services-list"),
        ],
    ),
    ("Server Load Balancer", [("Instances", "loadbalancer:clb-instances-list")]),
    (
        "ALB",
        [
            ("Instances", "loadbalancer:alb-instances-list"),
            ("Server Groups", "loadbalancer:server-groups-list"),
        ],
    ),
    ("VPC", [("VPCs", "console:vpcs-list"), ("vSwitches", "console:vswitches-list")]),
    (
        "ECS",
        [
            ("Instances", "console:instances-list"),
            ("Security Groups", "console:security-groups-list"),
        ],
    ),
    ("Tickets", [("Tickets", "console:tickets-list")]),
    ("Labs", [("Labs", "labs:index")]),
]


def navigation(current_path):
    """Products whose pages exist, with the current page marked."""
    products = []
    for title, pages in PRODUCTS:
        links = []
        for label, name in pages:
            try:
                url = reverse(name)
            except NoReverseMatch:
                continue
            links.append({"label": label, "url": url, "active": current_path.startswith(url)})
        if links:
            products.append(
                {
                    "title": title,
                    "url": links[0]["url"],
                    "links": links,
                    "active": any(link["active"] for link in links),
                }
            )
    return products
