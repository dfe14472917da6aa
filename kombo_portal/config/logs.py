"""The portal's log lines: their format and the least important level written."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BeforeValidator, Field

from kombo_portal.config.values import ConcernSettings


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class LogLevel(StrEnum):
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"
    CRITICAL = "CRITICAL"


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


class LoggingSettings(ConcernSettings):
    format: Annotated[LogFormat, BeforeValidator(_lower)] = Field(
        default=LogFormat.TEXT, alias="PORTAL_LOG_FORMAT"
    )
    level: Annotated[LogLevel, BeforeValidator(_upper)] = Field(
        default=LogLevel.INFO, alias="PORTAL_LOG_LEVEL"
    )
