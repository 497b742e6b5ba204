"""Forms with the console's labels; rules come from ``validators`` so the API shares them."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from . import throttle, validators
from .errors import ConsoleError
from .models import EcsInstance, SecurityGroup, SecurityGroupRule, Ticket, Vpc, VSwitch, Zone


def rule(fn, value, *args, **kwargs):
    """Run a validator and turn its refusal into a form error."""
    try:
        return fn(value, *args, **kwargs)
    except ConsoleError as error:
        raise ValidationError(error.message) from None


class ResourceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        extra = getattr(obj, "cidr_block", "")
        label = f"{obj.display_name} / {obj.id}" if obj.name else obj.id
        return f"{label} ({extra})" if extra else label


class ResourceMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name} / {obj.id}" if obj.name else obj.id


class ConsoleForm(forms.Form):
    """A form that knows the acting account and region; every dropdown is scoped by them."""

    # Fields whose change re-renders the form (its dropdowns depend on them), through htmx.
    dependent_fields = ()

    def __init__(self, *args, account=None, region=None, **kwargs):
        self.account = account
        self.region = region
        super().__init__(*args, **kwargs)
        for name in self.dependent_fields:
            self.fields[name].widget.attrs.update(
                {
                    "hx-get": "?fragment=form",
                    "hx-trigger": "change",
                    "hx-target": "#form-body",
                    "hx-swap": "outerHTML",
                    "hx-include": "closest form",
                    "hx-sync": "closest form:replace",
                }
            )

    def value_of(self, name):
        """The submitted or initial value of a field, for dependent dropdowns."""
        source = self.data if self.is_bound else self.initial
        return source.get(self.add_prefix(name)) if self.is_bound else source.get(name)

    def scoped(self, model):
        return model.objects.for_account(self.account).filter(region=self.region)

    def zones(self):
        return Zone.objects.filter(region=self.region)


class NameDescriptionMixin:
    def clean_description(self):
        return rule(validators.description, self.cleaned_data.get("description", ""))


class VpcForm(NameDescriptionMixin, ConsoleForm):
    name = forms.CharField(
        label="Name",
        required=False,
        max_length=128,
        help_text="1 to 128 characters. Starts with a letter; letters, digits, '.', '_', '-'.",
    )
    cidr_block = forms.CharField(
        label="IPv4 CIDR Block",
        help_text="Within 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16; prefix /8 to /28.",
    )
    description = forms.CharField(
        label="Description",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="2 to 256 characters. Cannot start with http:// or https://.",
    )

    def clean_name(self):
        return rule(validators.resource_name, self.cleaned_data.get("name", ""))

    def clean_cidr_block(self):
        return rule(validators.private_cidr_block, self.cleaned_data.get("cidr_block", ""))


class VSwitchForm(VpcForm):
    field_order = ["vpc", "zone", "name", "cidr_block", "description"]
    vpc = ResourceChoiceField(label="VPC", queryset=Vpc.objects.none())
    zone = forms.ModelChoiceField(label="Zone", queryset=Zone.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vpc"].queryset = self.scoped(Vpc)
        self.fields["zone"].queryset = self.zones()
        self.fields[
            "cidr_block"
        ].help_text = (
            "Inside the VPC's CIDR block; prefix /16 to /29; must not overlap another vSwitch."
        )

    def clean_cidr_block(self):
        return rule(
            validators.cidr_block,
            self.cleaned_data.get("cidr_block", ""),
            min_prefix=16,
            max_prefix=29,
        )


class SecurityGroupForm(NameDescriptionMixin, ConsoleForm):
    name = forms.CharField(
        label="Security Group Name",
        max_length=128,
        help_text="2 to 128 characters, starting with a letter.",
    )
    vpc = ResourceChoiceField(label="VPC", queryset=Vpc.objects.none())
    description = VpcForm.base_fields["description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vpc"].queryset = self.scoped(Vpc)

    def clean_name(self):
        return rule(validators.display_name, self.cleaned_data.get("name", ""))


class ServiceFieldsMixin(forms.Form):
    service = forms.ChoiceField(
        label="Deployed Service", choices=EcsInstance.Service.choices, initial="none"
    )
    service_port = forms.IntegerField(label="Service Port", initial=80, required=False)
    page_body = forms.CharField(
        label="Page Body",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text='Default: "Welcome to nginx on <instance name>".',
    )

    def clean_service_port(self):
        value = self.cleaned_data.get("service_port")
        if self.cleaned_data.get("service") == "nginx" or value is not None:
            return rule(validators.port, 80 if value is None else value, field="service_port")
        return 80


class EcsInstanceForm(ServiceFieldsMixin, ConsoleForm):
    field_order = [
        "name",
        "zone",
        "vpc",
        "vswitch",
        "private_ip",
        "image",
        "security_groups",
        "service",
        "service_port",
        "page_body",
    ]
    name = forms.CharField(
        label="Instance Name",
        max_length=128,
        help_text="2 to 128 characters, starting with a letter.",
    )
    zone = forms.ModelChoiceField(label="Zone", queryset=Zone.objects.none())
    vpc = ResourceChoiceField(label="VPC", queryset=Vpc.objects.none())
    vswitch = ResourceChoiceField(
        label="vSwitch",
        queryset=VSwitch.objects.none(),
        help_text="A vSwitch of the VPC in the chosen zone.",
    )
    private_ip = forms.CharField(
        label="Private IP",
        required=False,
        help_text="Optional. Leave empty to assign an address of the vSwitch automatically.",
    )
    image = forms.ChoiceField(label="Image", choices=EcsInstance.Image.choices)
    security_groups = ResourceMultipleChoiceField(
        label="Security Group",
        queryset=SecurityGroup.objects.none(),
        help_text="One or more groups of the same VPC.",
    )

    dependent_fields = ("zone", "vpc")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"].queryset = self.zones()
        self.fields["vpc"].queryset = self.scoped(Vpc)
        vswitches = self.scoped(VSwitch).select_related("zone")
        groups = self.scoped(SecurityGroup)
        vpc_id, zone_id = self.value_of("vpc"), self.value_of("zone")
        if vpc_id:
            vswitches = vswitches.filter(vpc_id=vpc_id)
            groups = groups.filter(vpc_id=vpc_id)
        if zone_id:
            vswitches = vswitches.filter(zone_id=zone_id)
        self.fields["vswitch"].queryset = vswitches
        self.fields["security_groups"].queryset = groups

    def clean_name(self):
        return rule(validators.display_name, self.cleaned_data.get("name", ""))

    def clean_private_ip(self):
        value = self.cleaned_data.get("private_ip", "").strip()
        return rule(validators.ipv4_address, value, field="private_ip") if value else ""


class EcsServiceForm(ServiceFieldsMixin, ConsoleForm):
    pass


class SecurityGroupRuleForm(ConsoleForm):
    policy = forms.ChoiceField(
        label="Action", choices=SecurityGroupRule.Policy.choices, initial="accept"
    )
    priority = forms.IntegerField(label="Priority", initial=1, help_text="1–100; 1 is highest.")
    protocol = forms.ChoiceField(label="Protocol", choices=SecurityGroupRule.Protocol.choices)
    port_range = forms.CharField(
        label="Port Range",
        required=False,
        help_text="For example 80/80 or 1/65535; -1/-1 for ICMP and All.",
    )
    authorization_object = forms.CharField(
        label="Authorization Object",
        help_text="A CIDR block (0.0.0.0/0 for all) or the ID of a security group of this VPC.",
    )
    description = VpcForm.base_fields["description"]

    def __init__(self, *args, group=None, **kwargs):
        self.group = group
        super().__init__(*args, **kwargs)

    def clean_priority(self):
        return rule(
            validators.int_range,
            self.cleaned_data.get("priority"),
            1,
            100,
            field="priority",
            what="priority",
        )

    def clean(self):
        data = super().clean()
        protocol = data.get("protocol")
        if protocol and "port_range" in data:
            try:
                data["port_from"], data["port_to"] = validators.port_range(
                    data["port_range"], protocol
                )
            except ConsoleError as error:
                self.add_error("port_range", error.message)
        target = (data.get("authorization_object") or "").strip()
        data["peer_group"] = None
        data["cidr_block"] = ""
        if target.startswith("sg-"):
            peer = SecurityGroup.objects.for_account(self.account).filter(pk=target).first()
            if peer is None or (self.group and peer.vpc_id != self.group.vpc_id):
                self.add_error(
                    "authorization_object",
                    f"No security group {target} in this VPC. Enter a CIDR block or a group "
                    "of the same VPC.",
                )
            data["peer_group"] = peer
        elif target:
            try:
                data["cidr_block"] = validators.cidr_block(
                    target, field="authorization_object", min_prefix=0, max_prefix=32
                )
            except ConsoleError as error:
                self.add_error("authorization_object", error.message)
        return data


class ThrottledLoginForm(AuthenticationForm):
    """The login form, with failures counted per username (see ``console.throttle``).

    A locked username is refused before its password is checked, so guessing on gains nothing.
    """

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Your username and password did not match. Try again.",
        "locked": (
            "Too many failed logins for %(username)s. Try again in %(wait)s, "
            "or ask your instructor to unlock it."
        ),
    }

    def _locked_error(self, username, seconds):
        return ValidationError(
            self.error_messages["locked"],
            code="locked",
            params={"username": username, "wait": throttle.minutes(seconds)},
        )

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username and password:
            seconds = throttle.locked_for(username)
            if seconds:
                raise self._locked_error(username, seconds)
        try:
            cleaned = super().clean()
        except ValidationError as error:
            if username and password and error.code == "invalid_login":
                seconds = throttle.record_failure(username)
                if seconds:
                    throttle.announce(username)
                    raise self._locked_error(username, seconds) from error
            raise
        if username:
            throttle.clear(username)
        return cleaned


class TicketForm(ConsoleForm):
    privilege = forms.ChoiceField(
        label="Privilege",
        choices=Ticket.Privilege.choices,
        error_messages={"required": "Choose a privilege.", "invalid_choice": "Choose a privilege."},
    )
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=256,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What you need it for (optional, up to 256 characters).",
    )
