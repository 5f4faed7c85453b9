"""schema.org descriptions (JSON-LD) of profile and organisation pages, for search engines and portals.

A cooperation is a schema.org ``Project``; its participants are members in a ``Role`` that names
the part (lead or partner), each a ``GovernmentOrganization`` (public bodies) or ``Organization``
with the Amtlicher Gemeindeschlüssel as ``identifier``, its state as address and its coordinates
as place. Only facts the catalogue holds are stated; unknown fields are left out.
"""

from __future__ import annotations

from flask import url_for

from ..api.urls import absolute
from ..models import STATES, Organisation, Project

CONTEXT = "https://schema.org"
#: Kinds of organisation that are public bodies.
GOVERNMENT_KINDS = {"municipality", "district", "municipal_association", "state_authority"}
ROLE_NAMES = {"lead": "Hauptverantwortlich", "partner": "Beteiligt"}


def organisation_node(organisation: Organisation, with_url: bool = True) -> dict:
    """An organisation as schema.org: type, name, official key, address (state), place (coordinates)."""
    node: dict = {
        "@type": "GovernmentOrganization" if organisation.kind in GOVERNMENT_KINDS else "Organization",
        "name": organisation.name,
    }
    if with_url:
        node["@id"] = node["url"] = absolute(url_for("public.organisation_detail", slug=organisation.slug))
    if organisation.ags:
        node["identifier"] = {
            "@type": "PropertyValue",
            "propertyID": "AGS",
            "name": "Amtlicher Gemeindeschlüssel",
            "value": organisation.ags,
        }
    address = {"@type": "PostalAddress", "addressCountry": "DE"}
    if organisation.state:
        address["addressRegion"] = STATES.get(organisation.state, organisation.state)
    node["address"] = address
    place: dict = {"@type": "Place", "address": address}
    if organisation.district:
        place["containedInPlace"] = {"@type": "AdministrativeArea", "name": organisation.district}
    if organisation.latitude is not None and organisation.longitude is not None:
        place["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": organisation.latitude,
            "longitude": organisation.longitude,
        }
    node["location"] = place
    if organisation.website:
        node["sameAs"] = organisation.website
    return node


def project_document(project: Project) -> dict:
    """The JSON-LD of a profile page."""
    url = absolute(url_for("public.project_detail", slug=project.slug))
    document: dict = {
        "@context": CONTEXT,
        "@type": "Project",
        "@id": url,
        "url": url,
        "name": project.title,
        "inLanguage": "de",
        "dateCreated": project.created_at.isoformat(),
        # when the content last changed, as the page says (publishing alone is no modification)
        "dateModified": project.content_changed_at.isoformat(),
        "member": [
            {"@type": "Role", "roleName": ROLE_NAMES.get(p.role, p.role), "member": organisation_node(p.organisation)}
            for p in project.participations
        ],
    }
    description = project.summary or project.goal
    if description:
        document["description"] = description
    if project.keywords:
        document["keywords"] = ", ".join(keyword.name for keyword in project.keywords)
    if project.since_year:
        document["foundingDate"] = str(project.since_year)
    places = [p.organisation.name for p in project.participations if p.organisation.kind in GOVERNMENT_KINDS]
    if places:
        document["areaServed"] = [{"@type": "AdministrativeArea", "name": name} for name in places]
    links = [link.url for link in project.links if link.url]
    if links:
        document["sameAs"] = links
    contacts = [_contact(contact) for contact in project.contacts]
    if contacts:
        document["contactPoint"] = contacts
    return document


def _contact(contact) -> dict:
    point = {
        "@type": "ContactPoint",
        "name": contact.organisation or contact.role,
        "contactType": contact.role,
        "email": contact.email,
        "telephone": contact.phone,
        "url": contact.website,
    }
    return {key: value for key, value in point.items() if value}


def organisation_document(organisation: Organisation, participations: list[tuple[str, Project]]) -> dict:
    """The JSON-LD of an organisation page: the organisation and the cooperations it takes part in."""
    document = {"@context": CONTEXT, **organisation_node(organisation)}
    document["memberOf"] = [
        {
            "@type": "Role",
            "roleName": ROLE_NAMES.get(role, role),
            "memberOf": {
                "@type": "Project",
                "name": project.title,
                "url": absolute(url_for("public.project_detail", slug=project.slug)),
            },
        }
        for role, project in participations
    ]
    return document


def place_document(place, parents: list) -> dict:
    """The JSON-LD of a place page: the municipality, association or district of the official register."""
    url = absolute(url_for("places.place_page", key_slug=place.url_part))
    document: dict = {
        "@context": CONTEXT,
        "@type": "AdministrativeArea",
        "@id": url,
        "url": url,
        "name": place.label,
        "identifier": {
            "@type": "PropertyValue",
            "propertyID": "AGS" if len(place.key) == 8 else "ARS",
            "name": "Amtlicher Gemeindeschlüssel" if len(place.key) == 8 else "Amtlicher Regionalschlüssel",
            "value": place.key,
        },
        "address": {
            "@type": "PostalAddress",
            "addressCountry": "DE",
            **({"postalCode": place.postcode} if place.postcode else {}),
            **({"addressRegion": STATES[place.state_code]} if place.state_code in STATES else {}),
        },
    }
    if place.latitude is not None and place.longitude is not None:
        document["geo"] = {"@type": "GeoCoordinates", "latitude": place.latitude, "longitude": place.longitude}
    contained = [
        {"@type": "AdministrativeArea", "name": parent.label, "identifier": parent.key}
        for parent in parents
        if parent is not None
    ]
    if contained:
        document["containedInPlace"] = contained
    return document
