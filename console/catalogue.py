"""The read-only catalogue of regions and zones.

One zone per region supports no PrivateLink, so that trainees meet the refusal.
"""

REGIONS = [
    # (region id, display name, city, [(zone suffix, privatelink?, clb?, alb?)])
    (
        "eu-central-1",
        "Germany (Frankfurt)",
        "Frankfurt",
        [("a", True, True, True), ("b", True, True, True), ("c", False, True, True)],
    ),
    (
        "cn-hangzhou",
        "China (Hangzhou)",
        "Hangzhou",
        [
            ("h", True, True, True),
            ("i", True, True, True),
            ("j", True, True, True),
            ("k", False, True, True),
        ],
    ),
    (
        "cn-shanghai",
        "China (Shanghai)",
        "Shanghai",
        [("e", True, True, True), ("f", True, True, True), ("g", False, True, True)],
    ),
    (
        "ap-southeast-1",
        "Singapore",
        "Singapore",
        [("a", True, True, True), ("b", True, True, True), ("c", False, True, True)],
    ),
]

DEFAULT_REGION = "eu-central-1"


def zone_id(region_id: str, suffix: str) -> str:
    # Frankfurt's zones are eu-central-1a; Hangzhou's are cn-hangzhou-h.
    return f"{region_id}{suffix}" if region_id[-1].isdigit() else f"{region_id}-{suffix}"


def load_catalogue(Region, Zone):
    """Create or update the catalogue rows; safe to run any number of times."""
    for position, (region_id, name, city, zones) in enumerate(REGIONS):
        region, _ = Region.objects.update_or_create(
            id=region_id, defaults={"name": name, "city": city, "position": position}
        )
        for suffix, privatelink, clb, alb in zones:
            Zone.objects.update_or_create(
                id=zone_id(region_id, suffix),
                defaults={
                    "region": region,
                    "letter": suffix.upper(),
                    "name": f"{city} Zone {suffix.upper()}",
                    "supports_privatelink": privatelink,
                    "supports_clb": clb,
                    "supports_alb": alb,
                },
            )
