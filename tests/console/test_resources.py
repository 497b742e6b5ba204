"""List, detail, create, delete and isolation of every base resource type."""

from console import views
from factories import make_instance, make_security_group, make_vpc, make_vswitch
from resource_tests import ResourceTests


class TestVpcPages(ResourceTests):
    resource = views.vpcs
    dropdowns = [
        ("/vswitches/create/", "vpc"),
        ("/instances/create/", "vpc"),
        ("/security-groups/create/", "vpc"),
    ]

    def make(self, account):
        count = type(self).__dict__.get("_n", 0) + 1
        type(self)._n = count
        return make_vpc(account, cidr=f"10.{count % 250}.0.0/16", name=f"VPC{count}")

    def create_data(self, account):
        return {"name": "VPC1", "cidr_block": "10.10.0.0/16", "description": "Consumer side"}


class TestVSwitchPages(ResourceTests):
    resource = views.vswitches
    dropdowns = [("/instances/create/", "vswitch")]

    def make(self, account):
        vpc = make_vpc(account, cidr="10.0.0.0/8")
        count = type(self).__dict__.get("_n", 0) + 1
        type(self)._n = count
        return make_vswitch(account, vpc, cidr=f"10.{count % 250}.0.0/24")

    def create_data(self, account):
        vpc = make_vpc(account)
        return {
            "vpc": vpc.pk,
            "zone": "eu-central-1b",
            "cidr_block": "10.10.0.0/24",
            "name": "vsw1",
        }


class TestSecurityGroupPages(ResourceTests):
    resource = views.security_groups
    dropdowns = [("/instances/create/", "security_groups")]

    def make(self, account):
        return make_security_group(account, make_vpc(account), name="web")

    def create_data(self, account):
        return {"vpc": make_vpc(account).pk, "name": "web-sg", "description": "Web servers"}


class TestEcsInstancePages(ResourceTests):
    resource = views.instances

    def make(self, account):
        vpc = make_vpc(account)
        vswitch = make_vswitch(account, vpc)
        return make_instance(account, vswitch, name="ECS2", body="ECS2 page")

    def create_data(self, account):
        vpc = make_vpc(account)
        vswitch = make_vswitch(account, vpc)
        group = make_security_group(account, vpc)
        return {
            "name": "ECS1",
            "zone": "eu-central-1b",
            "vpc": vpc.pk,
            "vswitch": vswitch.pk,
            "private_ip": "10.10.0.182",
            "image": "win2012r2",
            "security_groups": [group.pk],
            "service": "none",
            "service_port": "80",
        }
