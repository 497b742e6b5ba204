"""The load balancer pages' forms, with the console's labels (loadbalancer.md)."""

from django import forms

from console import validators as console_validators
from console.forms import ConsoleForm, ResourceChoiceField, rule
from console.models import EcsInstance, Region, Vpc, VSwitch, Zone

from . import validators
from .models import (
    DEFAULT_RESOURCE_GROUP,
    AlbInstance,
    AlbListener,
    AlbServerGroup,
    ClbInstance,
    ClbListener,
)
from .services import zone_field


class ZoneChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.id})"


class SelectWithDisabled(forms.Select):
    """A select whose listed ``disabled_values`` are shown but cannot be chosen."""

    def __init__(self, *args, disabled_values=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.disabled_values = set(disabled_values)

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if value in self.disabled_values:
            option["attrs"]["disabled"] = True
        return option


class RegionFormMixin:
    """A form with its own **Region** field: the dropdowns follow the chosen region."""

    def choose_region(self):
        self.fields["region"].queryset = Region.objects.all()
        chosen = Region.objects.filter(pk=self.value_of("region") or "").first()
        if chosen is not None:
            self.region = chosen
        if self.region is not None:
            self.initial.setdefault("region", self.region.pk)


def resource_groups():
    return [(DEFAULT_RESOURCE_GROUP, DEFAULT_RESOURCE_GROUP)]


# --- CLB -----------------------------------------------------------------------------------


class ClbInstanceForm(RegionFormMixin, ConsoleForm):
    billing_method = forms.ChoiceField(
        label="Billing Method",
        choices=ClbInstance.BillingMethod.choices,
        initial=ClbInstance.BillingMethod.PAY_AS_YOU_GO,
        help_text="Only Pay-As-You-Go instances support PrivateLink.",
    )
    region = forms.ModelChoiceField(
        label="Region",
        queryset=Region.objects.none(),
        help_text="Must be the region of the ECS instances you want to add.",
    )
    zone_type = forms.ChoiceField(
        label="Zone Type",
        choices=ClbInstance.ZoneType.choices,
        initial=ClbInstance.ZoneType.SINGLE,
    )
    zone = ZoneChoiceField(label="Primary Zone", queryset=Zone.objects.none())
    backup_zone = ZoneChoiceField(
        label="Backup Zone",
        queryset=Zone.objects.none(),
        required=False,
        help_text="Multi-zone only: traffic goes there only when the primary zone is down.",
    )
    name = forms.CharField(
        label="Instance Name",
        required=False,
        max_length=80,
        help_text="Optional. 1 to 80 characters: letters, digits, '-', '/', '.', '_'.",
    )
    specification = forms.ChoiceField(
        label="Specification", choices=ClbInstance.Specification.choices
    )
    address_type = forms.ChoiceField(
        label="SLB instance",
        choices=[
            (ClbInstance.AddressType.INTERNET, "Internet"),
            (ClbInstance.AddressType.INTRANET, "Intranet"),
        ],
        initial=ClbInstance.AddressType.INTRANET,
    )
    network_type = forms.ChoiceField(
        label="Network Type",
        choices=ClbInstance.NetworkType.choices,
        initial=ClbInstance.NetworkType.VPC,
        widget=SelectWithDisabled(disabled_values={ClbInstance.NetworkType.CLASSIC}),
    )
    vpc = ResourceChoiceField(label="VPCId", queryset=Vpc.objects.none())
    vswitch = ResourceChoiceField(
        label="vSwitch",
        queryset=VSwitch.objects.none(),
        help_text="A vSwitch of the VPC in the primary zone.",
    )
    ip_version = forms.ChoiceField(
        label="IP Version", choices=ClbInstance.IpVersion.choices, initial="ipv4"
    )

    dependent_fields = ("region", "zone_type", "zone", "vpc")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.choose_region()
        zones = self.zones().filter(supports_clb=True)
        self.fields["zone"].queryset = zones
        self.fields["backup_zone"].queryset = zones
        if self.value_of("zone_type") != ClbInstance.ZoneType.MULTI:
            self.fields["backup_zone"].widget.attrs["disabled"] = True
        self.fields["vpc"].queryset = self.scoped(Vpc)
        vswitches = self.scoped(VSwitch).select_related("zone")
        vpc_id, zone_id = self.value_of("vpc"), self.value_of("zone")
        if vpc_id:
            vswitches = vswitches.filter(vpc_id=vpc_id)
        if zone_id:
            vswitches = vswitches.filter(zone_id=zone_id)
        self.fields["vswitch"].queryset = vswitches

    def clean_name(self):
        return rule(validators.clb_name, self.cleaned_data.get("name", ""))

    def clean_network_type(self):
        value = self.cleaned_data.get("network_type")
        if value != ClbInstance.NetworkType.VPC:
            raise forms.ValidationError("The classic network is not available; choose VPC.")
        return value

    def clean(self):
        data = super().clean()
        if data.get("zone_type") == ClbInstance.ZoneType.MULTI:
            backup, primary = data.get("backup_zone"), data.get("zone")
            if backup is None and "backup_zone" not in self.errors:
                self.add_error("backup_zone", "A Multi-zone instance needs a backup zone.")
            elif backup is not None and backup == primary:
                self.add_error("backup_zone", "The backup zone must differ from the primary zone.")
        else:
            data["backup_zone"] = None
        return data


class ClbListenerProtocolForm(forms.Form):
    protocol = forms.ChoiceField(
        label="Select Listener Protocol",
        choices=ClbListener.Protocol.choices,
        initial="TCP",
        widget=forms.RadioSelect,
    )
    port = forms.IntegerField(
        label="Listening Port",
        help_text="1–65535; unique among this instance's listeners of the same protocol family.",
    )
    name = forms.CharField(label="Listener Name", required=False, max_length=80)

    def __init__(self, *args, clb=None, **kwargs):
        self.clb = clb
        super().__init__(*args, **kwargs)

    def clean_port(self):
        return rule(console_validators.port, self.cleaned_data.get("port"), field="port")

    def clean(self):
        from .services import listener_port_taken

        data = super().clean()
        protocol, port = data.get("protocol"), data.get("port")
        if (
            protocol
            and port
            and self.clb is not None
            and listener_port_taken(self.clb, protocol, port)
        ):
            family = "UDP" if protocol == "UDP" else "TCP/HTTP/HTTPS"
            self.add_error(
                "port", f"Port {port} is already used by a {family} listener of this instance."
            )
        return data


CODE_CHOICES = [(c, c.replace("http_", "")) for c in validators.HEALTHY_CODES]


class ClbHealthCheckForm(forms.Form):
    health_check_enabled = forms.BooleanField(
        label="Enable Health Check", required=False, initial=True
    )
    health_check_protocol = forms.ChoiceField(
        label="Health Check Protocol",
        choices=[("TCP", "TCP"), ("HTTP", "HTTP")],
        initial="TCP",
        widget=forms.RadioSelect,
    )
    health_check_port = forms.IntegerField(
        label="Health Check Port",
        required=False,
        help_text="Optional. By default the backend server's port.",
    )
    health_check_path = forms.CharField(
        label="Health Check Path", initial="/", required=False, help_text="HTTP checks only."
    )
    health_check_codes = forms.MultipleChoiceField(
        label="Healthy Status Codes",
        choices=CODE_CHOICES,
        initial=["http_2xx", "http_3xx"],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="HTTP checks only.",
    )
    health_check_interval = forms.IntegerField(
        label="Health Check Interval", initial=2, help_text="1–50 seconds."
    )
    healthy_threshold = forms.IntegerField(label="Healthy Threshold", initial=3, help_text="2–10.")
    unhealthy_threshold = forms.IntegerField(
        label="Unhealthy Threshold", initial=3, help_text="2–10."
    )

    def clean_health_check_port(self):
        value = self.cleaned_data.get("health_check_port")
        return None if value is None else rule(console_validators.port, value)

    def clean_health_check_path(self):
        return rule(validators.health_check_path, self.cleaned_data.get("health_check_path"))

    def clean_health_check_codes(self):
        values = self.cleaned_data.get("health_check_codes") or []
        if self.data.get("health_check_protocol") == "HTTP":
            rule(validators.healthy_codes, values)
        return values or ["http_2xx", "http_3xx"]

    def clean_health_check_interval(self):
        return rule(validators.interval, self.cleaned_data.get("health_check_interval"))

    def clean_healthy_threshold(self):
        return rule(
            validators.threshold,
            self.cleaned_data.get("healthy_threshold"),
            field="healthy_threshold",
        )

    def clean_unhealthy_threshold(self):
        return rule(
            validators.threshold,
            self.cleaned_data.get("unhealthy_threshold"),
            field="unhealthy_threshold",
        )


# --- ALB -----------------------------------------------------------------------------------


class AlbInstanceForm(RegionFormMixin, ConsoleForm):
    region = forms.ModelChoiceField(label="Region", queryset=Region.objects.none())
    network_type = forms.ChoiceField(
        label="Network Type",
        choices=[("Internet", "Internet"), ("Internal", "Internal")],
        initial="Internal",
        help_text="For PrivateLink: Internal only.",
    )
    vpc = ResourceChoiceField(label="VPC", queryset=Vpc.objects.none())
    ip_mode = forms.ChoiceField(
        label="IP Mode",
        choices=AlbInstance.IpMode.choices,
        initial=AlbInstance.IpMode.STATIC,
        help_text="For PrivateLink: Static IP only.",
    )
    edition = forms.ChoiceField(label="Edition", choices=AlbInstance.Edition.choices)
    name = forms.CharField(
        label="Instance Name",
        max_length=128,
        help_text="2 to 128 characters. Starts with a letter; letters, digits, '.', '_', '-'.",
    )
    resource_group = forms.ChoiceField(label="Resource Group", choices=resource_groups)

    dependent_fields = ("region", "vpc")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.choose_region()
        self.fields["vpc"].queryset = self.scoped(Vpc)
        vpc_id = self.value_of("vpc")
        vswitches = self.scoped(VSwitch).select_related("zone")
        vswitches = vswitches.filter(vpc_id=vpc_id) if vpc_id else vswitches.none()
        self.zone_list = list(self.zones().filter(supports_alb=True))
        order = ["region", "network_type", "vpc"]
        for index, zone in enumerate(self.zone_list):
            checkbox, select = zone_field("zone", zone), zone_field("vswitch", zone)
            self.fields[checkbox] = forms.BooleanField(
                label=zone.name,
                required=False,
                help_text=(
                    "Zone: select at least two zones (at most 10), each with a vSwitch."
                    if index == 0
                    else ""
                ),
            )
            self.fields[select] = ResourceChoiceField(
                label=f"vSwitch in {zone.name}",
                queryset=vswitches.filter(zone=zone),
                required=False,
            )
            order += [checkbox, select]
        order += ["ip_mode", "edition", "name", "resource_group"]
        self.order_fields(order)

    def clean_name(self):
        return rule(validators.alb_name, self.cleaned_data.get("name", ""))

    def clean(self):
        data = super().clean()
        mappings = []
        for zone in self.zone_list:
            if data.get(zone_field("zone", zone)):
                vswitch = data.get(zone_field("vswitch", zone))
                if vswitch is None and zone_field("vswitch", zone) not in self.errors:
                    self.add_error(zone_field("vswitch", zone), f"Choose a vSwitch in {zone.name}.")
                mappings.append((zone, vswitch))
        if len(mappings) < 2 and self.zone_list:
            self.add_error(
                zone_field("zone", self.zone_list[0]),
                "Select at least two zones, each with a vSwitch.",
            )
        elif len(mappings) > 10:
            self.add_error(zone_field("zone", self.zone_list[0]), "Select at most 10 zones.")
        data["zone_mappings"] = mappings
        return data


class ServerGroupForm(ConsoleForm):
    server_group_type = forms.ChoiceField(
        label="Server Group Type",
        choices=AlbServerGroup.GroupType.choices,
        initial="Instance",
        widget=forms.RadioSelect,
    )
    name = forms.CharField(
        label="Server Group Name",
        max_length=128,
        help_text="2 to 128 characters, starting with a letter.",
    )
    vpc = ResourceChoiceField(label="VPC", queryset=Vpc.objects.none())
    protocol = forms.ChoiceField(
        label="Backend Server Protocol", choices=AlbServerGroup.Protocol.choices
    )
    scheduler = forms.ChoiceField(
        label="Scheduling Algorithm", choices=AlbServerGroup.Scheduler.choices
    )
    resource_group = forms.ChoiceField(label="Resource Group", choices=resource_groups)
    sticky_session_enabled = forms.BooleanField(label="Session Persistence", required=False)
    sticky_session_type = forms.ChoiceField(
        label="Cookie Handling",
        choices=AlbServerGroup.StickySessionType.choices,
        initial="Insert",
        required=False,
    )
    cookie_timeout = forms.IntegerField(
        label="Cookie Timeout", initial=1000, required=False, help_text="1–86400 seconds."
    )
    cookie_name = forms.CharField(
        label="Cookie Name", required=False, help_text="Server cookie only."
    )
    health_check_enabled = forms.BooleanField(
        label="Configure Health Check", required=False, initial=True
    )
    health_check_protocol = forms.ChoiceField(
        label="Health Check Protocol",
        choices=[("HTTP", "HTTP"), ("HTTPS", "HTTPS"), ("TCP", "TCP")],
        initial="HTTP",
    )
    health_check_path = forms.CharField(label="Health Check Path", initial="/", required=False)
    health_check_method = forms.ChoiceField(
        label="Health Check Method", choices=[("HEAD", "HEAD"), ("GET", "GET")], initial="HEAD"
    )
    health_check_codes = forms.MultipleChoiceField(
        label="Health Check Status Codes",
        choices=CODE_CHOICES,
        initial=["http_2xx", "http_3xx"],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    health_check_interval = forms.IntegerField(
        label="Health Check Interval", initial=2, help_text="1–50 seconds."
    )
    health_check_timeout = forms.IntegerField(
        label="Health Check Timeout Period", initial=5, help_text="1–300 seconds."
    )
    healthy_threshold = forms.IntegerField(label="Healthy Threshold", initial=3, help_text="2–10.")
    unhealthy_threshold = forms.IntegerField(
        label="Unhealthy Threshold", initial=3, help_text="2–10."
    )

    SESSION_FIELDS = ("sticky_session_type", "cookie_timeout", "cookie_name")
    ADVANCED_FIELDS = (
        "health_check_protocol",
        "health_check_path",
        "health_check_method",
        "health_check_codes",
        "health_check_interval",
        "health_check_timeout",
        "healthy_threshold",
        "unhealthy_threshold",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vpc"].queryset = self.scoped(Vpc)

    def basic_fields(self):
        hidden = set(self.SESSION_FIELDS) | set(self.ADVANCED_FIELDS)
        return [self[name] for name in self.fields if name not in hidden]

    def session_fields(self):
        return [self[name] for name in self.SESSION_FIELDS]

    def advanced_fields(self):
        return [self[name] for name in self.ADVANCED_FIELDS]

    def clean_name(self):
        return rule(console_validators.display_name, self.cleaned_data.get("name", ""))

    def clean_health_check_path(self):
        return rule(validators.health_check_path, self.cleaned_data.get("health_check_path"))

    def clean_health_check_codes(self):
        return rule(validators.healthy_codes, self.cleaned_data.get("health_check_codes")).split(
            ","
        )

    def clean_health_check_interval(self):
        return rule(validators.interval, self.cleaned_data.get("health_check_interval"))

    def clean_health_check_timeout(self):
        return rule(validators.timeout, self.cleaned_data.get("health_check_timeout"))

    def clean_healthy_threshold(self):
        return rule(
            validators.threshold,
            self.cleaned_data.get("healthy_threshold"),
            field="healthy_threshold",
        )

    def clean_unhealthy_threshold(self):
        return rule(
            validators.threshold,
            self.cleaned_data.get("unhealthy_threshold"),
            field="unhealthy_threshold",
        )

    def clean(self):
        data = super().clean()
        if not data.get("sticky_session_enabled"):
            # Hidden while session persistence is off: whatever they hold is not an error.
            for name in self.SESSION_FIELDS:
                self.errors.pop(name, None)
                data[name] = self.fields[name].initial
        if data.get("sticky_session_enabled"):
            if data.get("sticky_session_type") == "Server":
                name = (data.get("cookie_name") or "").strip()
                if not (1 <= len(name) <= 200) or " " in name:
                    self.add_error(
                        "cookie_name", "Enter the cookie name: 1 to 200 characters, no spaces."
                    )
            else:
                timeout = data.get("cookie_timeout")
                if timeout is None:
                    timeout = data["cookie_timeout"] = 1000
                if not 1 <= timeout <= 86400:
                    self.add_error("cookie_timeout", "The cookie timeout must be from 1 to 86400.")
        return data


class AlbListenerForm(forms.Form):
    protocol = forms.ChoiceField(
        label="Listener Protocol",
        choices=AlbListener.Protocol.choices,
        initial="HTTP",
        widget=forms.RadioSelect,
    )
    port = forms.IntegerField(label="Listener Port", help_text="1–65535.")
    name = forms.CharField(label="Listener Name", required=False, max_length=80)
    idle_timeout = forms.IntegerField(
        label="Idle Connection Timeout Period", initial=15, help_text="1–60 seconds."
    )
    request_timeout = forms.IntegerField(
        label="Connection Request Timeout", initial=60, help_text="1–180 seconds."
    )

    ADVANCED_FIELDS = ("idle_timeout", "request_timeout")

    def __init__(self, *args, alb=None, **kwargs):
        self.alb = alb
        super().__init__(*args, **kwargs)

    def basic_fields(self):
        return [self[n] for n in self.fields if n not in self.ADVANCED_FIELDS]

    def advanced_fields(self):
        return [self[n] for n in self.ADVANCED_FIELDS]

    def clean_port(self):
        port = rule(console_validators.port, self.cleaned_data.get("port"), field="port")
        if self.alb is not None and self.alb.listeners.filter(port=port).exists():
            raise forms.ValidationError(f"Port {port} is already used by a listener of this ALB.")
        return port

    def clean_idle_timeout(self):
        return rule(
            console_validators.int_range,
            self.cleaned_data.get("idle_timeout"),
            low=1,
            high=60,
            field="idle_timeout",
            what="idle timeout",
        )

    def clean_request_timeout(self):
        return rule(
            console_validators.int_range,
            self.cleaned_data.get("request_timeout"),
            low=1,
            high=180,
            field="request_timeout",
            what="request timeout",
        )


class AlbServerGroupPickForm(forms.Form):
    server_group = ResourceChoiceField(
        label="Server Group",
        queryset=AlbServerGroup.objects.none(),
        help_text="Server groups of the ALB's VPC.",
    )

    def __init__(self, *args, alb=None, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["server_group"].queryset = AlbServerGroup.objects.for_account(account).filter(
            vpc_id=alb.vpc_id
        )


class AddBackendsForm:
    """**Add Backend Server**: ECS instances of the group's VPC, then each one's port and weight.

    Two stages on one page: the selection, then (``stage=ports``) the ports and weights, which
    the service validates (its refusals name the row). Valid only once the ports are posted.
    """

    fields = {}

    def __init__(self, data, *, group, account):
        self.data = data
        self.group = group
        self.instances = list(
            EcsInstance.objects.for_account(account)
            .filter(vpc_id=group.vpc_id)
            .select_related("zone")
            .order_by("name", "id")
        )
        self.stage, self.rows, self.chosen, self.error = "select", [], [], ""

    def is_valid(self):
        if self.data is None:
            return False
        chosen = list(dict.fromkeys(self.data.getlist("instances")))
        by_id = {i.pk: i for i in self.instances}
        foreign = [i for i in chosen if i not in by_id]
        if foreign:
            self.error = (
                f"The instance {foreign[0]} is not an ECS instance of the server group's "
                f"VPC {self.group.vpc_id}; choose servers from the list."
            )
            return False
        if not chosen:
            self.error = "Select at least one server."
            return False
        self.stage, self.chosen = "ports", chosen
        self.rows = [
            {
                "instance": by_id[i],
                "port": self.data.get(f"port_{i}", ""),
                "weight": self.data.get(f"weight_{i}", "100"),
            }
            for i in chosen
        ]
        return self.data.get("stage") == "ports"

    @property
    def cleaned_data(self):
        return {"servers": [(r["instance"].pk, r["port"], r["weight"]) for r in self.rows]}

    def add_error(self, field, message):
        self.error = message

    def context(self):
        return {
            "instances": self.instances,
            "stage": self.stage,
            "rows": self.rows,
            "chosen": self.chosen,
            "error": self.error,
        }
