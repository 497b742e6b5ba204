"""After a create, where the walkthroughs look: the Endpoint Service list with the new ID, name."""

from django.urls import reverse
from pl_factories import lab1_provider

from privatelink.models import EndpointService


def test_ok_on_create_endpoint_service_lands_on_the_list_with_its_id_and_name(client_a, account_a):
    clb = lab1_provider(account_a)[2]
    data = {
        "resource_type": "slb",
        "rows": "1",
        "zone_0": "eu-central-1b",
        "instance_0": clb.pk,
        "auto_accept": "no",
        "zone_affinity": "yes",
        "description": "Lab 1 service",
    }
    response = client_a.post(reverse("privatelink:endpoint-services-create"), data, follow=True)
    service = EndpointService.objects.get(account=account_a)
    assert response.redirect_chain[-1][0] == reverse("privatelink:endpoint-services-list")
    body = response.content.decode()
    assert f"Endpoint service {service.pk} was created." in body
    row = body[body.index(f'id="row-{service.pk}"') :]
    row = row[: row.index("</tr>")]
    assert service.pk in row and service.service_name in row
