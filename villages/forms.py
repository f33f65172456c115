"""Staff account forms. Region choices come through visible_to() of the manager."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from villages.models import STAFF_MANAGERS, Level, Region, Role
from villages.services import username_locked

SEES_IDENTITY_LABEL = _("May see full ID and phone numbers here (with a reason, recorded)")


class LoginForm(AuthenticationForm):
    """The login form, refusing an account whose failed logins from many addresses
    together reached the limit (villages.services.username_locked) before the password
    is even tried."""

    locked = False  # the page says why, rather than "wrong name or password"

    def clean(self):
        username = self.cleaned_data.get("username")
        longest = get_user_model()._meta.get_field("username").max_length or 150
        if username and len(username) > longest:
            # Django sets the field's max_length without its validator: such a name
            # would reach the lockout's records (varchar 255) and fail there
            raise self.get_invalid_login_error()
        if username and username_locked(username):
            self.locked = True
            raise ValidationError(
                _(
                    "Too many failed log-in attempts for this account. Please wait 30 "
                    "minutes and try again, or ask your county administrator to unlock it."
                ),
                code="locked",
            )
        return super().clean()


class RegionField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} ({obj.get_level_display()} {obj.code})"


class AssignmentForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    region = RegionField(label=_("Region"), queryset=Region.objects.none())
    sees_identity = forms.BooleanField(label=SEES_IDENTITY_LABEL, required=False)

    def __init__(self, *args, manager, **kwargs):
        super().__init__(*args, **kwargs)
        region = self.fields["region"]
        assert isinstance(region, forms.ModelChoiceField)  # noqa: S101 (narrows the type)
        region.queryset = Region.objects.visible_to(manager, roles=STAFF_MANAGERS).exclude(
            level=Level.GROUP
        )


class StaffCreateForm(AssignmentForm):
    username = forms.CharField(label=_("User name"), max_length=150)
    full_name = forms.CharField(
        label=_("Name and post"), max_length=150, help_text=_("e.g. 渡头村 王建国 (村支书)")
    )
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput)

    field_order = [
        "username",
        "full_name",
        "password1",
        "password2",
        "role",
        "region",
        "sees_identity",
    ]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise ValidationError(_("This user name is taken."))
        return username

    def clean(self):
        super().clean()
        data = self.cleaned_data
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            user = get_user_model()(username=data.get("username", ""))
            try:
                password_validation.validate_password(p1, user)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


class StaffEditForm(forms.Form):
    full_name = forms.CharField(label=_("Name and post"), max_length=150)
    is_active = forms.BooleanField(
        label=_("Active"), required=False, help_text=_("An inactive account cannot log in.")
    )


def limit_to_villages(field: forms.ModelChoiceField, villages: list[Region]) -> None:
    """A form's village field offers these villages only, and is hidden when there is
    one (a cadre of one village is not asked which)."""
    field.queryset = Region.objects.filter(pk__in=[v.pk for v in villages])
    if len(villages) == 1:
        field.initial = villages[0].pk
        field.widget = forms.HiddenInput()
