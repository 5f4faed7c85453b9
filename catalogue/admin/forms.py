"""Flask-WTF forms of the editing area. They carry CSRF and render fields; the profile and
organisation rules live in the marshmallow schemas, so these forms validate nothing else."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)

from ..formatting import KIND_LABELS
from ..models import STATES
from ..schemas import PARTICIPANT_FACTS


def choices(pairs) -> list[SelectChoice]:
    """Options of a select from (value, label) pairs (WTForms 3.3 deprecates plain tuples)."""
    return [SelectChoice(value, label) for value, label in pairs]


STATE_CHOICES = choices([("", "– unbekannt –")] + list(STATES.items()))
KIND_CHOICES = choices(KIND_LABELS.items())
STATUS_CHOICES = choices([("draft", "Entwurf"), ("published", "Veröffentlicht"), ("archived", "Archiviert")])
ROLE_CHOICES = choices([("partner", "Beteiligt (Partner)"), ("lead", "Hauptverantwortlich (lead)")])
USER_ROLE_CHOICES = choices([("editor", "Redakteur/in"), ("admin", "Administrator/in")])


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField("Benutzername")
    password = PasswordField("Passwort")
    next = HiddenField()


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token (and the version it was shown at)."""

    version = HiddenField()


class _Row(Form):
    """A repeatable row; "remove" drops it on save."""

    remove = BooleanField("Entfernen")


class ParticipantRow(_Row):
    order = StringField("Reihenfolge")
    role = SelectField("Rolle", choices=ROLE_CHOICES, validate_choice=False)
    name = StringField("Name der Organisation")
    kind = SelectField("Art", choices=KIND_CHOICES, default="municipality", validate_choice=False)
    ags = StringField("AGS (8 Ziffern)")
    state = SelectField("Land", choices=STATE_CHOICES, validate_choice=False)
    district = StringField("Kreis")


class ContactRow(_Row):
    organisation = StringField("Stelle / Organisation")
    role = StringField("Funktion oder Person")
    address = TextAreaField("Anschrift")
    phone = StringField("Telefon")
    email = StringField("E-Mail")
    website = StringField("Internet")


class LinkRow(_Row):
    title = StringField("Titel")
    url = StringField("Web-Adresse")


class UpdateRow(_Row):
    date = StringField("Datum (JJJJ, JJJJ-MM oder JJJJ-MM-TT)")
    title = StringField("Überschrift")
    text = TextAreaField("Text")
    source_url = StringField("Quelle (Web-Adresse)")
    source_note = StringField("Quelle (Angabe)")


#: The repeatable parts of a profile, with the names the project representation gives them.
ROW_LISTS = ("participants", "contacts", "links", "updates")
ROW_FIELDS = {
    "participants": ("role", *PARTICIPANT_FACTS),
    "contacts": ("organisation", "role", "address", "phone", "email", "website"),
    "links": ("title", "url"),
    "updates": ("date", "title", "text", "source_url", "source_note"),
}


class ProjectForm(FlaskForm):
    """Every field of a profile."""

    version = HiddenField()
    title = StringField("Titel")
    slug = StringField("Adresse (Slug)")
    summary = TextAreaField("Kurzbeschreibung")
    status = SelectField("Status", choices=STATUS_CHOICES, validate_choice=False)
    keywords = StringField("Stichworte (durch Komma getrennt)")
    keyword_pick = StringField("Vorhandenes Stichwort hinzufügen")
    participants = FieldList(FormField(ParticipantRow), min_entries=1)
    occasion = TextAreaField("Anlass")
    goal = TextAreaField("Ziel")
    implementation = TextAreaField("Umsetzung")
    financing = TextAreaField("Finanzierung")
    legal_form = SelectField("Rechtsform", validate_choice=False)
    since_year = StringField("Zusammenarbeit seit (Jahr)")
    source_note = TextAreaField("Quelle")
    contacts = FieldList(FormField(ContactRow), min_entries=1)
    links = FieldList(FormField(LinkRow), min_entries=1)
    updates = FieldList(FormField(UpdateRow), min_entries=1)


class OrganisationForm(FlaskForm):
    """The facts of an organisation (validated by OrganisationInputSchema)."""

    name = StringField("Name")
    kind = SelectField("Art", choices=KIND_CHOICES, validate_choice=False)
    ags = StringField("Amtlicher Gemeindeschlüssel (AGS)")
    place_key = StringField("Ort im Gemeindeverzeichnis (Name, Postleitzahl oder Schlüssel)")
    state = SelectField("Land", choices=STATE_CHOICES, validate_choice=False)
    district = StringField("Kreis")
    administrative_region = StringField("Regierungsbezirk")
    population = StringField("Einwohnerzahl")
    population_date = StringField("Stichtag der Einwohnerzahl (JJJJ-MM-TT)")
    population_source = StringField("Quelle der Einwohnerzahl")
    area_km2 = StringField("Fläche in km²")
    website = StringField("Internet")
    latitude = StringField("Breite (WGS84)")
    longitude = StringField("Länge (WGS84)")


class MergeForm(FlaskForm):
    """Pick the entry that stays when merging a duplicate into it."""

    target = StringField("Zusammenführen mit (Name oder Adresse des bleibenden Eintrags)")


class KeywordRenameForm(FlaskForm):
    name = StringField("Neuer Name")


class UserCreateForm(FlaskForm):
    username = StringField("Benutzername")
    display_name = StringField("Angezeigter Name")
    email = StringField("E-Mail")
    role = SelectField("Rolle", choices=USER_ROLE_CHOICES, validate_choice=False)
    can_publish = BooleanField("Darf veröffentlichen", default=True)
    password = PasswordField("Passwort (mindestens 12 Zeichen)")


class UserEditForm(FlaskForm):
    display_name = StringField("Angezeigter Name")
    email = StringField("E-Mail")
    role = SelectField("Rolle", choices=USER_ROLE_CHOICES, validate_choice=False)
    can_publish = BooleanField("Darf veröffentlichen")
    active = BooleanField("Aktiv (darf sich anmelden)")


class PasswordForm(FlaskForm):
    password = PasswordField("Neues Passwort (mindestens 12 Zeichen)")


class TokenForm(FlaskForm):
    user = SelectField("Benutzer", validate_choice=False)
    name = StringField("Wofür ist das Token?")


class AcceptProposalForm(FlaskForm):
    """Accept a change proposal: the version the reviewer saw, and on a conflict the consent to replace."""

    version = HiddenField()
    overwrite = BooleanField("Ja, der Vorschlag soll die Änderungen ersetzen, die seitdem gespeichert wurden.")
    accept_note = TextAreaField("Anmerkung für die Autorin oder den Autor (freiwillig)")


class RejectProposalForm(FlaskForm):
    """Reject a change proposal, saying why."""

    reject_note = TextAreaField("Begründung für die Autorin oder den Autor")
