"""The .ics invitation of a staffing (RFC 5545, through the icalendar library).

It carries the time, the room or call link, the case reference and a link back to the
meeting page, which asks the reader to sign in: never the survivor's name, age or anything
else about them, because calendars travel to phones, assistants and shared accounts."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from icalendar import Calendar, Event

from continuum.mdt.models import Meeting, MeetingStatus


def invitation(meeting: Meeting, link: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Continuum//MDT staffing//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{meeting.pk}@continuum")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.starts_at + timedelta(minutes=meeting.minutes_long))
    event.add("summary", f"MDT staffing - case {meeting.case.reference}")
    where = [part for part in (meeting.place, meeting.call_link) if part]
    if where:
        event.add("location", " / ".join(where))
    event.add(
        "description",
        f"Multidisciplinary team staffing for case {meeting.case.reference}, convened by "
        f"{meeting.convened_by_agency.name}. Agenda and case details: {link} (sign in).",
    )
    event.add("url", link)
    event.add("sequence", meeting.version)
    event.add("status", "CANCELLED" if meeting.status == MeetingStatus.CANCELLED else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()
