"""What of a person's data reaches a staff user: a case without its person for an officer who has no part
in it, national ID numbers masked for those whose role does not need them, and the raw messages staff
troubleshoot (dead letters, rejected notices) with ID numbers masked and names hidden."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from services.intake.domain.staff import Permission, StaffUser, mask_national_id

#: The columns of a case row that describe its person, or carry what the person or staff wrote about them.
CASE_PERSON_FIELDS = ("full_name", "name_key", "birth_date", "gender", "national_id", "commune_code",
                      "commune_name", "summary", "groups", "person_id", "performer_change_reason", "closure_note")

#: What stands for a hidden value in text shown to staff.
HIDDEN = "•••"

# A national ID (CCCD) is 12 digits; a longer run of digits is something else (a timestamp, a sequence).
_NATIONAL_ID_RUN = re.compile(r"(?<!\d)\d{12}(?!\d)")
# A person's name or birth date as a JSON member or a Python dict item (pydantic's error text): the key,
# its quote, then the quoted value (escapes allowed; a message cut short may end inside it). Officers'
# names are in `full_name` too, and hidden with them: a broken message does not say whose record it is.
_PERSON_MEMBER = re.compile(r"""(?P<key>(?P<q>["'])(?:full_name|birth_date)(?P=q)\s*:\s*)"""
                            r"""(?P<v>["'])(?:\\.|(?!(?P=v)).)*(?:(?P=v)|\Z)""", re.DOTALL)
# pydantic quotes the offending input in its error text: `input_value='Nguyễn Văn An', input_type=str`.
_INPUT_VALUE = re.compile(r"input_value=.*?(?=, input_type=)", re.DOTALL)


def case_as_seen(user: StaffUser, case: Mapping[str, Any], performers: Collection[str]) -> dict[str, Any]:
    """A case row as the user may see it: without its person when the user has no part in the case
    (`person_hidden` says so), its national ID masked unless the user's role needs it whole."""
    row = dict(case)
    row["person_hidden"] = not user.sees_person_in(performers)
    if row["person_hidden"]:
        row.update(dict.fromkeys((k for k in CASE_PERSON_FIELDS if k in row), None))
    elif row.get("national_id") and not user.may(Permission.VIEW_NATIONAL_ID):
        row["national_id"] = mask_national_id(row["national_id"])
    return row


def mask_national_ids_in(text: str) -> str:
    """Text with every 12-digit run masked like a national ID number."""
    return _NATIONAL_ID_RUN.sub(lambda m: mask_national_id(m.group()), text)


def hide_names_in(text: str) -> str:
    """Text with persons' names and birth dates hidden, in JSON or in a validation error about a message."""
    text = _PERSON_MEMBER.sub(lambda m: f"{m['key']}{m['v']}{HIDDEN}{m['v']}", text)
    return _INPUT_VALUE.sub(f"input_value={HIDDEN}", text)


def message_text_as_seen(user: StaffUser, text: str | None) -> str | None:
    """The text of a raw message (or of its error) as the user may see it: names only for those who see
    every person, national ID numbers whole only for those who need them."""
    if not text:
        return text
    if not user.may(Permission.VIEW_EVERY_PERSON):
        text = hide_names_in(text)
    if not user.may(Permission.VIEW_NATIONAL_ID):
        text = mask_national_ids_in(text)
    return text
