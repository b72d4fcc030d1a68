"""Deadlines that leave the bot: a calendar file (.ics) and a timeline picture (PNG).

An adapter ring: it turns an assessment into bytes a phone keeps, so a person is
reminded even when no channel can reach them. No network, no database, no clock:
the moment a file is made is passed in.

    ics = calendar_file(assessment, ruleset, "uz", made_at=now)
    picture = timeline_picture(assessment, ruleset, "uz", fonts=find_fonts())
"""

from .calendar_file import CALENDAR_FILENAME, CALENDAR_MEDIA_TYPE, calendar_file, deadline_uid
from .fonts import FontNotFound, Fonts, find_fonts
from .timeline import TIMELINE_FILENAME, TimelinePicture, timeline_picture

__all__ = [
    "CALENDAR_FILENAME",
    "CALENDAR_MEDIA_TYPE",
    "TIMELINE_FILENAME",
    "FontNotFound",
    "Fonts",
    "TimelinePicture",
    "calendar_file",
    "deadline_uid",
    "find_fonts",
    "timeline_picture",
]
