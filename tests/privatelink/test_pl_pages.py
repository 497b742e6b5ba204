"""The generic page tests for endpoint services and endpoints, plus their own pages."""

from pl_factories import (
    lab1_consumer,
    lab1_provider,
    make_endpoint,
    make_service,
)

from privatelink import views
from privatelink.models import Endpoint, EndpointService
from resource_tests import ResourceTests


class TestEndpointServicePages(ResourceTests):
    resource = views.endpoint_services
    dropdowns = [("/privatelink/endpoints/create/?service_mode=select", "service")]

    def make(self, account):
        return make_service(account)

    def create_data(self, account):
        clb = lab1_provider(account)[2]
        return {
            "resource_type": "slb",
            "rows": "1",
            "zone_0": "eu-central-1b",
            "instance_0": clb.pk,
            "auto_accept": "no",
            "zone_affinity": "yes",
            "description": "Lab 1 service",
        }

    def test_delete(self, client_a, account_a, django_capture_on_commit_callbacks):
        service = self.make(account_a)
        # Refused while a resource is attached; then Deleting → gone (the worker's step).
        response = client_a.post(self.resource.url("delete", service))
        assert response.status_code == 302
        assert EndpointService.objects.filter(pk=service.pk).exists()
        resource = service.resources.get()
        client_a.post(
            f"/privatelink/endpoint-services/{service.pk}/resources/{resource.pk}/remove/"
        )
        with django_capture_on_commit_callbacks(execute=True):
            response = client_a.post(self.resource.url("delete", service))
        assert response.status_code == 302
        assert not EndpointService.objects.filter(pk=service.pk).exists()


class TestEndpointPages(ResourceTests):
    resource = views.endpoints
    no_dropdown = "no page offers an endpoint in a dropdown"

    def make(self, account):
        return make_endpoint(account, make_service(account))

    def create_data(self, account):
        service = make_service(account)
        vpc, vswitch, group = lab1_consumer(account)
        return {
            "name": "ep1",
            "endpoint_type": "Interface",
            "service_mode": "name",
            "service_name": service.service_name,
            "vpc": vpc.pk,
            "security_groups": [group.pk],
            "rows": "1",
            "zone_0": "eu-central-1b",
            "vswitch_0": vswitch.pk,
        }

    def test_delete(self, client_a, account_a, django_capture_on_commit_callbacks):
        endpoint = self.make(account_a)
        with django_capture_on_commit_callbacks(execute=True):
            response = client_a.post(self.resource.url("delete", endpoint))
        assert response.status_code == 302
        assert not Endpoint.objects.filter(pk=endpoint.pk).exists()
