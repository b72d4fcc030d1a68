"""The result's deadlines handed over as files: "Add to calendar" and "Timeline picture".

Why use cases and not adapter code: every channel offers the same two things with the
same words (Telegram sends them as a document and a photo, the web as downloads, the
terminal writes them to the current folder). The files themselves are made by
:mod:`bot.export`; this module decides what goes with them: the caption, the neutral or
detailed title mode and the button that switches it, and what to say when there is
nothing to export or no font to draw with. Pure: the moment the file is made and the
fonts are passed in by the channel.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.core.interview import Interview, current_question
from bot.core.rules import Assessment, evaluate
from bot.export import (
    CALENDAR_FILENAME,
    CALENDAR_MEDIA_TYPE,
    TIMELINE_FILENAME,
    Fonts,
    calendar_file,
    timeline_picture,
)
from bot.export.timeline import TIMELINE_MEDIA_TYPE, text_alternative, timeline_points

from . import interview
from .context import Context
from .interview import Step
from .screens import AddToCalendar, Attachment, Choice, Notice, Reply, ShowTimeline

logger = logging.getLogger(__name__)


def calendar_attachment(
    ctx: Context, assessment: Assessment, *, detailed: bool, made_at: datetime
) -> Attachment:
    """The calendar file of ``assessment``, with a caption saying what the titles show
    and a button for the other title mode (importing it updates the same events)."""
    _ = ctx._
    content = calendar_file(
        assessment,
        ctx.ruleset,
        ctx.locale,
        made_at=made_at,
        detailed=detailed,
        catalogs=ctx.catalogs,
    )
    how = _("Open the file and add the events to the phone's calendar.")
    again = _("When your answers change, add the new file: the events are updated, not doubled.")
    if detailed:
        titles = _(
            "The titles name each deadline and the notes hold the steps. "
            "Anyone who looks at your phone can read them."
        )
        other = Choice(_("Neutral titles"), AddToCalendar(detailed=False), icon="🔒")
    else:
        titles = _(
            "The titles say only “Deadline” and the date, so whoever looks at your phone "
            "does not see what they are about."
        )
        other = Choice(_("Detailed titles"), AddToCalendar(detailed=True), icon="📝")
    return Attachment(
        kind="document",
        filename=CALENDAR_FILENAME,
        media_type=CALENDAR_MEDIA_TYPE,
        content=content,
        caption="\n\n".join((how, titles, again)),
        choices=(other,),
    )


def timeline_attachment(
    ctx: Context, assessment: Assessment, fonts: Fonts | None
) -> Attachment | Notice:
    """The timeline picture with its text alternative as the caption; without a font,
    the same dates as text (and the operator finds the reason in the log)."""
    if fonts is None:
        _ = ctx._
        points = timeline_points(assessment, ctx.ruleset, ctx.locale, _)
        status = ctx.ruleset.header.statuses[assessment.status].title.get(ctx.locale)
        text = text_alternative(points, _("Your timeline"), status, ctx.locale, limit=3500)
        return Notice(text)
    picture = timeline_picture(
        assessment, ctx.ruleset, ctx.locale, fonts=fonts, catalogs=ctx.catalogs
    )
    if picture.missing_glyphs:
        logger.warning(
            "timeline picture: the font has no glyph for %s",
            " ".join(sorted(picture.missing_glyphs)),
        )
    return Attachment(
        kind="photo",
        filename=TIMELINE_FILENAME,
        media_type=TIMELINE_MEDIA_TYPE,
        content=picture.png,
        caption=picture.text,
    )


def export(
    ctx: Context,
    state: Interview,
    action: AddToCalendar | ShowTimeline,
    *,
    made_at: datetime,
    fonts: Fonts | None,
) -> Step:
    """A tap on "Add to calendar", "Detailed/Neutral titles" or "Timeline picture".

    Before the interview is finished the button is out of date (stale); a result
    without deadlines has nothing to export and says so. The state never changes.
    """
    if current_question(state, ctx.ruleset, ctx.today) is not None:
        return interview.stale(ctx, state)
    assessment = evaluate(state.answers, ctx.today, ctx.ruleset)
    if not assessment.deadlines:
        notice = Notice(ctx._("Your result has no deadlines to add."))
        return Step(state, Reply((notice,)))
    screen: Attachment | Notice
    if isinstance(action, AddToCalendar):
        screen = calendar_attachment(ctx, assessment, detailed=action.detailed, made_at=made_at)
    else:
        screen = timeline_attachment(ctx, assessment, fonts)
    return Step(state, Reply((screen,)))
