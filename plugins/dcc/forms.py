"""Flask-WTF forms of the DCC screens (CSRF on every one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional

from core.forms import choices
from core.tenancy import province_choices
from plugins.dcc.models import OPPORTUNITY_KINDS, VISIBLE_FIELDS


def category_choices():
    return [("civil_servant", _l("Civil servant")), ("private_employee", _l("Private employee")),
            ("student", _l("Student")), ("academic", _l("Academic")), ("other", _l("Other"))]


def sex_choices():
    return [("", _l("Prefer not to say")), ("female", _l("Female")), ("male", _l("Male")),
            ("other", _l("Other"))]


def visibility_choices():
    return [("private", _l("Private (only me and moderators)")),
            ("members", _l("DCC members")), ("public", _l("Everyone"))]


FIELD_LABELS = {
    "name_km": _l("Name in Khmer"), "name_en": _l("Name in Latin letters"), "sex": _l("Sex"),
    "date_of_birth": _l("Date of birth"), "province_code": _l("Province"),
    "category": _l("Category"), "organisation": _l("Organisation"),
    "job_title": _l("Job title"), "experience": _l("Experience"),
    "education": _l("Education"), "links": _l("Links"), "email": _l("Email"),
    "phone": _l("Phone"), "skills": _l("Skills"), "credentials": _l("Verified credentials"),
}


def organisation_field(label, description):
    """A verified organisation of the DCC registry (choices set by the view); the service
    checks the id sent, so a refused one gets its own message, not "Not a valid choice"."""
    return SelectField(label, validate_choice=False, validators=[Optional()],
                       coerce=lambda v: "" if v is None else str(v), description=description)


class ProfileFields(FlaskForm):
    name_km = StringField(_l("Name in Khmer"), validators=[Optional(), Length(max=200)])
    name_en = StringField(_l("Name in Latin letters"), validators=[Optional(), Length(max=200)])
    sex = SelectField(_l("Sex"), validators=[Optional()])
    date_of_birth = DateField(_l("Date of birth"), validators=[Optional()])
    province_code = SelectField(_l("Province"), validators=[Optional()])
    category = SelectField(_l("Category"), validators=[DataRequired()])
    organisation_name = StringField(_l("Organisation"), validators=[Optional(), Length(max=200)])
    job_title = StringField(_l("Job title"), validators=[Optional(), Length(max=200)])
    experience = TextAreaField(_l("Experience"), validators=[Optional(), Length(max=4000)])
    education = TextAreaField(_l("Education"), validators=[Optional(), Length(max=4000)])
    links = TextAreaField(_l("Links"), validators=[Optional(), Length(max=2000)],
                          description=_l("Web site, portfolio, code repositories; one a line."))
    national_id = StringField(_l("National ID number"), validators=[Optional(), Length(max=32)],
                              description=_l("Optional. Never shown to anyone; used only to "
                                             "link your training certificates, once a DCC "
                                             "moderator has checked it against your ID card. "
                                             "Changing it cancels that check."))

    def __init__(self, *args, locale="en", **kwargs):
        super().__init__(*args, **kwargs)
        self.sex.choices = choices(sex_choices())
        self.province_code.choices = choices([("", "-")] + province_choices(locale))
        self.category.choices = choices(category_choices())

    def profile(self) -> dict:
        return {k: getattr(self, k).data for k in (
            "name_km", "name_en", "sex", "date_of_birth", "province_code", "category",
            "organisation_name", "job_title", "experience", "education", "links",
            "national_id")}


class JoinForm(ProfileFields):
    contact = StringField(_l("Email or phone number"), validators=[DataRequired(), Length(max=200)],
                          description=_l("We send a code to confirm it; it becomes your user name."))
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=10, max=200)])
    password2 = PasswordField(_l("Password again"),
                              validators=[DataRequired(), EqualTo("password",
                                                                  _l("The passwords differ."))])
    home_center_id = SelectField(_l("Nearest center"), validators=[Optional()],
                                 description=_l("Its moderators review your registration."))
    consent_privacy = BooleanField(_l("I accept the privacy terms (required)"),
                                   validators=[DataRequired(_l("You must accept the privacy terms."))])
    consent_directory = BooleanField(_l("List me in the DCC directory (only the fields I make visible)"))
    consent_credentials = BooleanField(_l("Add my CTC training certificates to my profile"))
    submit = SubmitField(_l("Join"))


class ProfileForm(ProfileFields):
    organisation_id = organisation_field(
        _l("My organisation in the DCC registry"),
        _l("If it is registered and verified; else type its name below."))
    submit = SubmitField(_l("Save"))


for _field in VISIBLE_FIELDS:
    setattr(ProfileForm, "vis_" + _field,
            SelectField(_l("Who sees: %(field)s", field=FIELD_LABELS[_field]),
                        choices=choices(visibility_choices()), default="private"))


class NationalIdCheckForm(FlaskForm):
    card_number = StringField(_l("Number printed on the ID card"),
                              validators=[DataRequired(), Length(max=32)])
    submit = SubmitField(_l("Record the ID card check"))


class CodeForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(min=6, max=6)])
    submit = SubmitField(_l("Confirm"))


class ActionForm(FlaskForm):
    """Only a CSRF token: for buttons that post."""


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Confirm"))


class DeleteAccountForm(FlaskForm):
    confirm = StringField(_l("Type DELETE to confirm"), validators=[DataRequired()])
    submit = SubmitField(_l("Delete my account"))


class ConsentForm(FlaskForm):
    directory = BooleanField(_l("List me in the DCC directory"))
    credentials = BooleanField(_l("Add my CTC training certificates to my profile"))
    submit = SubmitField(_l("Save"))


class MemberSkillForm(FlaskForm):
    skill_id = SelectField(_l("Skill"), coerce=int, validators=[DataRequired()])
    level = SelectField(_l("Level (1 follow - 7 set strategy)"), coerce=int,
                        choices=choices((i, str(i)) for i in range(1, 8)))
    submit = SubmitField(_l("Add"))


class SkillForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=200)])
    name_km = StringField(_l("Name in Khmer"), validators=[Optional(), Length(max=200)])
    group_en = StringField(_l("Group"), validators=[Optional(), Length(max=100)])
    active = BooleanField(_l("In use"), default=True)
    submit = SubmitField(_l("Save"))


class DirectoryForm(FlaskForm):
    class Meta:
        csrf = False

    text = StringField(_l("Name"), validators=[Optional(), Length(max=100)])
    skill = SelectField(_l("Skill"), coerce=str, validators=[Optional()])
    level = SelectField(_l("Level at least"), validators=[Optional()],
                        choices=choices([("", "-")] + [(str(i), str(i)) for i in range(1, 8)]))
    province = SelectField(_l("Province"), validators=[Optional()])
    category = SelectField(_l("Category"), validators=[Optional()])
    submit = SubmitField(_l("Search"))


class OrganisationForm(FlaskForm):
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=200)])
    name_km = StringField(_l("Name in Khmer"), validators=[Optional(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=choices([
        ("company", _l("Company")), ("institution", _l("Institution")), ("ngo", _l("NGO")),
        ("government", _l("Government")), ("academic", _l("University or school"))]))
    province_code = SelectField(_l("Province"), validators=[Optional()])
    website = StringField(_l("Web site"), validators=[Optional(), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)])
    submit = SubmitField(_l("Register"))


class OpportunityForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=choices((k, k) for k in OPPORTUNITY_KINDS))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)])
    province_code = SelectField(_l("Province"), validators=[Optional()])
    expires_on = DateField(_l("Closes on"), validators=[DataRequired()])
    submit = SubmitField(_l("Send for moderation"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices([("job", _l("Job")), ("internship", _l("Internship")),
                                     ("training", _l("Training"))])


class CompetitionForm(FlaskForm):
    slug = StringField(_l("Short name (in addresses)"), validators=[DataRequired(), Length(max=64)])
    title_en = StringField(_l("Title in English"), validators=[DataRequired(), Length(max=200)])
    title_km = StringField(_l("Title in Khmer"), validators=[Optional(), Length(max=200)])
    rules = TextAreaField(_l("Rules"), validators=[Optional(), Length(max=20000)])
    national = BooleanField(_l("National competition (run by the ministry)"))
    eligible_categories = SelectMultipleField(_l("Open to categories (none: all)"),
                                              validators=[Optional()])
    eligible_provinces = SelectMultipleField(_l("Open to provinces (none: all)"),
                                             validators=[Optional()])
    min_age = IntegerField(_l("Minimum age"), validators=[Optional(), NumberRange(0, 120)])
    max_age = IntegerField(_l("Maximum age"), validators=[Optional(), NumberRange(0, 120)])
    team_entries = BooleanField(_l("Team entries"))
    team_min = IntegerField(_l("Smallest team"), default=1, validators=[Optional(), NumberRange(1, 50)])
    team_max = IntegerField(_l("Largest team"), default=1, validators=[Optional(), NumberRange(1, 50)])
    registration_opens_at = DateTimeLocalField(_l("Registration opens"),
                                               validators=[DataRequired()])
    registration_closes_at = DateTimeLocalField(_l("Registration closes"),
                                                validators=[DataRequired()])
    submission_opens_at = DateTimeLocalField(_l("Submissions open"),
                                             validators=[DataRequired()])
    submission_closes_at = DateTimeLocalField(_l("Submissions close"),
                                              validators=[DataRequired()])
    allow_file = BooleanField(_l("Accept files"), default=True)
    allow_link = BooleanField(_l("Accept links"), default=True)
    file_types = StringField(_l("File types (extensions, comma separated)"),
                             default="pdf,zip,png,jpg", validators=[Optional(), Length(max=200)])
    max_file_kb = IntegerField(_l("Largest file (KB)"), default=5120,
                               validators=[Optional(), NumberRange(1, 15 * 1024)])
    blind_judging = BooleanField(_l("Blind judging (judges do not see names)"))
    aggregation = SelectField(_l("Aggregation of the judges' scores"), choices=choices([
        ("mean", _l("Mean of the judges' totals")),
        ("zscore", _l("Mean of z-scores normalised per judge"))]))
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, locale="en", **kwargs):
        super().__init__(*args, **kwargs)
        self.eligible_categories.choices = choices(category_choices())
        self.eligible_provinces.choices = choices(province_choices(locale))


class CriterionForm(FlaskForm):
    name_en = StringField(_l("Criterion in English"), validators=[DataRequired(), Length(max=200)])
    name_km = StringField(_l("Criterion in Khmer"), validators=[Optional(), Length(max=200)])
    weight = IntegerField(_l("Weight"), default=1, validators=[DataRequired(), NumberRange(1, 100)])
    min_score = IntegerField(_l("Lowest score"), default=0, validators=[NumberRange(0, 1000)])
    max_score = IntegerField(_l("Highest score"), default=10, validators=[NumberRange(1, 1000)])
    submit = SubmitField(_l("Add criterion"))


class PrizeForm(FlaskForm):
    rank = IntegerField(_l("Rank"), validators=[DataRequired(), NumberRange(1, 100)])
    title_en = StringField(_l("Prize in English"), validators=[DataRequired(), Length(max=200)])
    title_km = StringField(_l("Prize in Khmer"), validators=[Optional(), Length(max=200)])
    amount = StringField(_l("Amount"), validators=[Optional(), Length(max=30)])
    currency = SelectField(_l("Currency"), choices=choices([("USD", "USD"), ("KHR", "KHR")]))
    submit = SubmitField(_l("Add prize"))


class JudgeForm(FlaskForm):
    user_id = SelectField(_l("Judge"), coerce=int, validators=[DataRequired()])
    organisation_id = organisation_field(
        _l("The judge's organisation"),
        _l("From the DCC registry. Entrants of the same organisation are recused "
           "automatically; left empty, a judge who is a DCC member takes the organisation "
           "of their own profile."))
    organisation_name = StringField(_l("Or its name, if it is not in the registry"),
                                    validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Add judge"))


INVITE_HELP = _l("Each one is invited and accepts on their own DCC pages; the team counts "
                 "only those who accept before registration closes.")


class EntryForm(FlaskForm):
    team_name = StringField(_l("Team name"), validators=[Optional(), Length(max=200)])
    teammates = TextAreaField(_l("Team mates to invite (their email or phone, one a line)"),
                              validators=[Optional(), Length(max=2000)],
                              description=INVITE_HELP)
    submit = SubmitField(_l("Enter"))


class InviteForm(FlaskForm):
    contacts = TextAreaField(_l("Team mates to invite (their email or phone, one a line)"),
                             validators=[Optional(), Length(max=2000)],
                             description=INVITE_HELP)
    submit = SubmitField(_l("Invite"))


class SubmissionForm(FlaskForm):
    file = FileField(_l("File"))
    url = StringField(_l("Or a link"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Submit"))
