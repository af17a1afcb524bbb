"""Who may do what: the staff roles, and how long their passes and the booth devices' tokens last.

Attendees need no pass (their badge is their token) and volunteers act through their booth
device's token; staff passes are for the people running the day.
"""
from enum import StrEnum


class Role(StrEnum):
    ORGANISER = "organiser"  # everything: booths, devices, questions, contests, passes
    MC = "mc"  # hosts the live quiz rounds on stage
    MODERATOR = "moderator"  # the livestream's comments, questions and settings


PASS_HOURS_DEFAULT = 16  # one market day, set-up to clear-up
PASS_HOURS_MAX = 24 * 7
DEVICE_HOURS_DEFAULT = 16
DEVICE_HOURS_MAX = 24 * 7
LABEL_MAX = 80

