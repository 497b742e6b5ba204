"""PrivateLink's forms, with the console's labels (privatelink.md).

Rows of two dependent drop-downs ("Select Service Resource", "Zone and vSwitch") are fields
``zone_<n>`` / ``instance_<n>`` (or ``vswitch_<n>``); the hidden ``rows`` field counts them and
the "+Add …" button re-renders the form with one more (htmx ``?fragment=form&add_row=1``).
Drop-down values are resolved in ``clean`` through account-scoped querysets, so that a forged
value gets the service's refusal in the console's words.
"""

from django import forms

from console import validators as console_validators
from console.errors import ConsoleError
from console.forms import ConsoleForm, ResourceMultipleChoiceField, rule
from console.models import SecurityGroup, Vpc, VSwitch, Zone

from . import services, validators
from .models import (
    MAX_ENDPOINT_ZONES,
    MAX_SERVICE_RESOURCES,
    Endpoint,
    EndpointService,
    ResourceType,
)

YES_NO = [("yes", "Yes"), ("no", "No")]
AUTO_ACCEPT_HELP = (
    "Yes: endpoint connection requests are accepted automatically and the endpoints can be "
    "used at once. No: each request stays Disconnected until you allow it on the Endpoint "
    "Connections tab."
)
ZONE_AFFINITY_HELP = (
    "Yes: the endpoint domain name resolves first to the endpoint ENI in the client's own zone. "
    "No: it resolves to the ENIs of all zones."
)
DESCRIPTION_HELP = "Optional. 2 to 256 characters. Cannot start with http:// or https://."


class DisabledOptionsMixin:
    """A choice widget whose ``disabled_values`` are listed but cannot be chosen."""

    def __init__(self, *args, disabled_values=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.disabled_values = set(disabled_values)

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if value in self.disabled_values:
            option["attrs"]["disabled"] = True
        return option


class SelectWithDisabled(DisabledOptionsMixin, forms.Select):
    pass


class RadioWithDisabled(DisabledOptionsMixin, forms.RadioSelect):
    pass


class OpenChoiceField(forms.ChoiceField):
    """A drop-down whose value ``clean`` resolves, so a forged one gets the service's words."""

    def valid_value(self, value):
        return True


def yes_no_field(label, help_text):
    return forms.ChoiceField(
        label=label, choices=YES_NO, initial="no", widget=forms.RadioSelect, help_text=help_text
    )


def zone_label(zone):
    return f"{zone.name} ({zone.id})"


class RowsMixin:
    """Numbered rows of fields; ``rows`` (hidden) counts them, ``add_row`` asks for one more."""

    row_prefixes = ()
    max_rows = 10

    def row_count(self):
        try:
            count = int(self.value_of("rows") or 1)
        except (TypeError, ValueError):
            count = 1
        if not self.is_bound and self.initial.get("add_row"):
            count += 1
        count = max(1, min(count, self.max_rows))
        if not self.is_bound:
            self.initial["rows"] = count
        return count

    def row_list(self):
        """``[(n, [bound fields])]`` for the template."""
        return [(n, [self[f"{p}_{n}"] for p in self.row_prefixes]) for n in range(self.row_total)]

    @property
    def can_add_row(self):
        return self.row_total < self.max_rows


class EndpointServiceForm(RowsMixin, ConsoleForm):
    row_prefixes = ("zone", "instance")
    max_rows = MAX_SERVICE_RESOURCES

    resource_type = forms.ChoiceField(
        label="Service Resource Type",
        choices=ResourceType.choices,
        initial=ResourceType.CLB,
        widget=RadioWithDisabled(disabled_values=[ResourceType.NLB]),
    )
    rows = forms.IntegerField(widget=forms.HiddenInput, required=False, initial=1)
    # Errors of the rows as a whole ("the same zone twice") are put here.
    resources = forms.CharField(widget=forms.HiddenInput, required=False)
    auto_accept = yes_no_field("Automatically Accept Endpoint Connections", AUTO_ACCEPT_HELP)
    zone_affinity = yes_no_field("Whether to Enable Zone Affinity", ZONE_AFFINITY_HELP)
    description = forms.CharField(
        label="Description",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=DESCRIPTION_HELP,
    )

    dependent_fields = ("resource_type",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.row_total = self.row_count()
        self.resource_type_value = self.value_of("resource_type") or ResourceType.CLB
        model = services.resource_model(self.resource_type_value)
        self.zone_list = list(self.zones().filter(supports_privatelink=True))
        self.alb_refused = (
            self.resource_type_value == ResourceType.ALB
            and self.account is not None
            and not self.account.alb_privatelink_privilege
        )
        instances = []
        if model is not None and not self.alb_refused:
            queryset = self.scoped(model)
            if model.__name__ == "AlbInstance":
                queryset = queryset.prefetch_related("zone_mappings")
            instances = list(queryset.order_by("name", "id"))
        for n in range(self.row_total):
            zone_name, instance_name = f"zone_{n}", f"instance_{n}"
            self.fields[zone_name] = OpenChoiceField(
                label="Zone",
                required=False,
                choices=[("", "Select a zone")] + [(z.pk, zone_label(z)) for z in self.zone_list],
            )
            self.add_dependent(zone_name)
            zone = next((z for z in self.zone_list if z.pk == self.value_of(zone_name)), None)
            choices, disabled = [("", "Select an instance" if zone else "Choose a zone first")], []
            for instance in instances:
                if zone is None or zone.pk not in instance.zone_ids:
                    continue
                reason = services.instance_refusal(instance, zone)
                label = f"{instance.display_name} / {instance.id}" if instance.name else instance.id
                if reason:
                    disabled.append(instance.id)
                    label = f"{label} — {reason}"
                choices.append((instance.id, label))
            self.fields[instance_name] = OpenChoiceField(
                label="Service Resource",
                required=False,
                choices=choices,
                widget=SelectWithDisabled(disabled_values=disabled),
            )
        self.order_fields(
            ["resource_type", "rows", "resources"]
            + [f"{p}_{n}" for n in range(self.row_total) for p in self.row_prefixes]
            + ["auto_accept", "zone_affinity", "description"]
        )

    def add_dependent(self, name):
        self.fields[name].widget.attrs.update(self.fields["resource_type"].widget.attrs)

    @property
    def basic_fields(self):
        return [self["resource_type"]]

    @property
    def tail_fields(self):
        return [self["auto_accept"], self["zone_affinity"], self["description"]]

    def clean_description(self):
        return rule(console_validators.description, self.cleaned_data.get("description", ""))

    def clean(self):
        data = super().clean()
        resource_type = data.get("resource_type")
        if resource_type == ResourceType.ALB and self.alb_refused:
            self.add_error("resource_type", services.ALB_PRIVILEGE_REFUSAL)
            return data
        model = services.resource_model(resource_type)
        zones = {z.pk: z for z in self.zone_list}
        resources, seen = [], set()
        for n in range(self.row_total):
            zone_id, instance_id = data.get(f"zone_{n}"), data.get(f"instance_{n}")
            if not zone_id and not instance_id:
                continue
            zone = zones.get(zone_id)
            if zone is None:
                self.add_error(f"zone_{n}", "Choose a zone.")
                continue
            if zone_id in seen:
                self.add_error(
                    f"zone_{n}",
                    f"{zone.name} is selected twice: choose one service resource per zone.",
                )
                continue
            seen.add(zone_id)
            instance = None
            if instance_id and model is not None:
                instance = self.scoped(model).filter(pk=instance_id).first()
            if instance is None:
                self.add_error(f"instance_{n}", f"Choose an instance in {zone.name}.")
                continue
            resources.append((zone, instance))
        if not resources and not self.errors:
            self.add_error(
                "resources", "Add at least one service resource: choose a zone and an instance."
            )
        data["resources"] = resources
        data["auto_accept"] = data.get("auto_accept") == "yes"
        data["zone_affinity"] = data.get("zone_affinity") == "yes"
        return data


class EndpointServiceModifyForm(forms.Form):
    auto_accept = yes_no_field("Automatically Accept Endpoint Connections", AUTO_ACCEPT_HELP)
    zone_affinity = yes_no_field("Whether to Enable Zone Affinity", ZONE_AFFINITY_HELP)
    description = EndpointServiceForm.base_fields["description"]

    def clean_description(self):
        return rule(console_validators.description, self.cleaned_data.get("description", ""))


class ServiceResourceAddForm(ConsoleForm):
    zone = forms.ChoiceField(label="Zone")
    instance = forms.ChoiceField(label="Service Resource", required=False)

    dependent_fields = ("zone",)

    def __init__(self, *args, service=None, **kwargs):
        self.service = service
        super().__init__(*args, **kwargs)
        used = set(service.resources.values_list("zone_id", flat=True))
        self.zone_list = [
            z for z in self.zones().filter(supports_privatelink=True) if z.pk not in used
        ]
        self.fields["zone"].choices = [("", "Select a zone")] + [
            (z.pk, zone_label(z)) for z in self.zone_list
        ]
        zone = next((z for z in self.zone_list if z.pk == self.value_of("zone")), None)
        model = services.resource_model(service.resource_type)
        choices, disabled = [("", "Select an instance")], []
        if zone is not None:
            for instance in self.scoped(model).order_by("name", "id"):
                if zone.pk not in instance.zone_ids:
                    continue
                reason = services.instance_refusal(instance, zone, service=service)
                label = f"{instance.display_name} / {instance.id}" if instance.name else instance.id
                if reason:
                    disabled.append(instance.id)
                    label = f"{label} — {reason}"
                choices.append((instance.id, label))
        self.fields["instance"] = OpenChoiceField(
            label="Service Resource",
            required=False,
            choices=choices,
            widget=SelectWithDisabled(disabled_values=disabled),
        )

    def clean(self):
        data = super().clean()
        zone = next((z for z in self.zone_list if z.pk == data.get("zone")), None)
        data["zone"] = zone
        model = services.resource_model(self.service.resource_type)
        instance = self.scoped(model).filter(pk=data.get("instance") or "").first()
        if zone is not None and instance is None:
            self.add_error("instance", f"Choose an instance in {zone.name}.")
        data["instance"] = instance
        return data


class WhitelistAddForm(forms.Form):
    uids = forms.CharField(
        label="Account ID",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One or more 16-digit account IDs (UIDs), separated by commas or new lines.",
    )

    def clean_uids(self):
        return rule(validators.account_uids, self.cleaned_data.get("uids", ""))


class AllowConnectionForm(forms.Form):
    auto_allocate = forms.BooleanField(
        label="Allow connections and automatically allocate service resources",
        required=False,
        initial=True,
    )


class BandwidthForm(forms.Form):
    bandwidth = forms.IntegerField(label="Connection Bandwidth", help_text="Mbps.")

    def __init__(self, *args, service=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.service = service
        low, high = service.bandwidth_range
        self.fields["bandwidth"].help_text = f"{low} to {high} Mbps."

    def clean_bandwidth(self):
        low, high = self.service.bandwidth_range
        return rule(validators.bandwidth, self.cleaned_data.get("bandwidth"), low, high)


# --- endpoints --------------------------------------------------------------------------------

SERVICE_MODES = [("name", "Add by Service Name"), ("select", "Select Service")]


class EndpointForm(RowsMixin, ConsoleForm):
    row_prefixes = ("zone", "vswitch")
    max_rows = MAX_ENDPOINT_ZONES

    name = forms.CharField(
        label="Endpoint Name",
        max_length=128,
        help_text="2 to 128 characters. Starts with a letter; letters, digits, '_', '-'.",
    )
    endpoint_type = forms.ChoiceField(
        label="Endpoint Type",
        choices=Endpoint.EndpointType.choices,
        initial=Endpoint.EndpointType.INTERFACE,
        widget=RadioWithDisabled(
            disabled_values=[Endpoint.EndpointType.REVERSE, Endpoint.EndpointType.GWLB]
        ),
    )
    service_mode = forms.ChoiceField(
        label="Endpoints Service", choices=SERVICE_MODES, initial="name", widget=forms.RadioSelect
    )
    service_name = forms.CharField(
        label="Service Name",
        required=False,
        help_text="For example com.aliyuncs.privatelink.eu-central-1.epsrv-….",
    )
    service = OpenChoiceField(label="Endpoint Service", required=False)
    vpc = OpenChoiceField(label="VPC")
    security_groups = ResourceMultipleChoiceField(
        label="Security Groups",
        queryset=SecurityGroup.objects.none(),
        error_messages={"required": "Select at least one security group."},
        help_text=(
            "Make sure that the rules in the security group allow access to the endpoint ENI "
            "from clients."
        ),
    )
    rows = forms.IntegerField(widget=forms.HiddenInput, required=False, initial=1)
    zones = forms.CharField(widget=forms.HiddenInput, required=False)
    description = EndpointServiceForm.base_fields["description"]

    dependent_fields = ("service_mode", "service_name", "service", "vpc")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.row_total = self.row_count()
        self.mode = self.value_of("service_mode") or "name"
        usable = (
            EndpointService.objects.usable_by(self.account)
            .filter(region=self.region, status=EndpointService.Status.ACTIVE)
            .order_by("-created_at")
        )
        self.fields["service"].choices = [("", "Select an endpoint service")] + [
            (s.pk, f"{s.service_name}") for s in usable
        ]
        self.vpcs = list(self.scoped(Vpc).order_by("name", "id"))
        self.fields["vpc"].choices = [("", "Select a VPC")] + [
            (v.pk, f"{v.display_name} / {v.id} ({v.cidr_block})" if v.name else v.id)
            for v in self.vpcs
        ]
        vpc_id = self.value_of("vpc")
        groups = self.scoped(SecurityGroup)
        self.fields["security_groups"].queryset = (
            groups.filter(vpc_id=vpc_id) if vpc_id else groups.none()
        )
        # Only the zones where the service has a resource are offered; without a service
        # (or with a name this account may not use) every zone of the region is listed, so
        # that the form reveals nothing about services the account cannot see.
        self.resolved = self.resolve_service(raise_error=False)
        zones = self.zones()
        if self.resolved is not None:
            zones = zones.filter(pk__in=self.resolved.resources.values_list("zone_id"))
        self.zone_list = list(zones)
        vswitches = list(
            self.scoped(VSwitch).filter(vpc_id=vpc_id).select_related("zone") if vpc_id else []
        )
        for n in range(self.row_total):
            zone_name, vswitch_name = f"zone_{n}", f"vswitch_{n}"
            self.fields[zone_name] = OpenChoiceField(
                label="Zone",
                required=False,
                choices=[("", "Select a zone")] + [(z.pk, zone_label(z)) for z in self.zone_list],
            )
            self.fields[zone_name].widget.attrs.update(self.fields["vpc"].widget.attrs)
            zone_id = self.value_of(zone_name)
            options = [v for v in vswitches if v.zone_id == zone_id]
            self.fields[vswitch_name] = OpenChoiceField(
                label="vSwitch",
                required=False,
                choices=[("", "Select a vSwitch" if zone_id else "Choose a zone first")]
                + [
                    (v.pk, f"{v.display_name} / {v.id} ({v.cidr_block})" if v.name else v.id)
                    for v in options
                ],
            )
        self.order_fields(
            ["name", "endpoint_type", "service_mode", "service_name", "service", "vpc"]
            + ["security_groups", "rows", "zones"]
            + [f"{p}_{n}" for n in range(self.row_total) for p in self.row_prefixes]
            + ["description"]
        )

    def resolve_service(self, raise_error=True):
        try:
            if self.mode == "select":
                if not self.value_of("service"):
                    return None
                return services.endpoint_service_resolve(
                    account=self.account, region=self.region, service_id=self.value_of("service")
                )
            if not (self.value_of("service_name") or "").strip():
                return None
            return services.endpoint_service_resolve(
                account=self.account, region=self.region, service_name=self.value_of("service_name")
            )
        except ConsoleError:
            if raise_error:
                raise
            return None

    def clean_name(self):
        return rule(validators.endpoint_name, self.cleaned_data.get("name", ""))

    def clean_description(self):
        return rule(console_validators.description, self.cleaned_data.get("description", ""))

    def clean(self):
        data = super().clean()
        field = "service" if self.mode == "select" else "service_name"
        if not (data.get(field) or "").strip():
            self.add_error(
                field,
                "Choose an endpoint service."
                if self.mode == "select"
                else "Enter the name of the endpoint service.",
            )
            data["service"] = None
        else:
            try:
                data["service"] = self.resolve_service()
            except ConsoleError as error:
                self.add_error(field, error.message)
                data["service"] = None
        vpc = next((v for v in self.vpcs if v.pk == data.get("vpc")), None)
        if vpc is None and "vpc" not in self.errors:
            self.add_error("vpc", "Choose a VPC.")
        data["vpc"] = vpc
        data["security_groups"] = list(data.get("security_groups") or [])
        region_zones = {z.pk: z for z in self.zones()}
        rows, seen = [], set()
        for n in range(self.row_total):
            zone_id, vswitch_id = data.get(f"zone_{n}"), data.get(f"vswitch_{n}")
            if not zone_id and not vswitch_id:
                continue
            zone = region_zones.get(zone_id)
            if zone is None:
                self.add_error(f"zone_{n}", "Choose a zone.")
                continue
            if zone_id in seen:
                self.add_error(
                    f"zone_{n}", f"{zone.name} is selected twice: choose one vSwitch per zone."
                )
                continue
            seen.add(zone_id)
            vswitch = self.scoped(VSwitch).filter(pk=vswitch_id or "").first()
            if vswitch is None:
                self.add_error(f"vswitch_{n}", f"Choose a vSwitch in {zone.name}.")
                continue
            rows.append((zone, vswitch))
        if not rows and not any(k.startswith(("zone_", "vswitch_")) for k in self.errors):
            self.add_error("zones", "Add at least one zone with a vSwitch.")
        data["zones"] = rows
        return data


class EndpointZoneAddForm(ConsoleForm):
    zone = OpenChoiceField(label="Zone")
    vswitch = OpenChoiceField(label="vSwitch", required=False)

    dependent_fields = ("zone",)

    def __init__(self, *args, endpoint=None, **kwargs):
        self.endpoint = endpoint
        super().__init__(*args, **kwargs)
        used = set(endpoint.zones.values_list("zone_id", flat=True))
        zones = self.zones()
        if endpoint.service is not None:
            zones = zones.filter(pk__in=endpoint.service.resources.values_list("zone_id"))
        self.zone_list = [z for z in zones if z.pk not in used]
        self.fields["zone"].choices = [("", "Select a zone")] + [
            (z.pk, zone_label(z)) for z in self.zone_list
        ]
        zone_id = self.value_of("zone")
        vswitches = self.scoped(VSwitch).filter(vpc_id=endpoint.vpc_id, zone_id=zone_id or "")
        self.fields["vswitch"].choices = [("", "Select a vSwitch")] + [
            (v.pk, f"{v.display_name} / {v.id} ({v.cidr_block})") for v in vswitches
        ]

    def clean(self):
        data = super().clean()
        # Locals: add_error() drops the field from cleaned_data.
        zone = Zone.objects.filter(region=self.region, pk=data.get("zone") or "").first()
        vswitch = self.scoped(VSwitch).filter(pk=data.get("vswitch") or "").first()
        data["zone"], data["vswitch"] = zone, vswitch
        if zone is None:
            self.add_error("zone", "Choose a zone.")
        elif vswitch is None:
            self.add_error("vswitch", f"Choose a vSwitch in {zone.name}.")
        return data


class SecurityGroupAttachForm(ConsoleForm):
    group = forms.ModelChoiceField(label="Security Group", queryset=SecurityGroup.objects.none())

    def __init__(self, *args, endpoint=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = (
            SecurityGroup.objects.for_account(self.account)
            .filter(vpc_id=endpoint.vpc_id)
            .exclude(pk__in=endpoint.security_groups.values_list("pk"))
        )
