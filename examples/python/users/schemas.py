"""What the API accepts and returns.

Unknown fields are rejected: no mass assignment.
"""

# --8<-- [start:schemas]
import unicodedata
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

# The WHATWG HTML definition of a valid e-mail address; the Node version uses
# the same one.
HTML5_EMAIL = (
    r"^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+"
    r"@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$"
)


NO_CONTROL_CHARACTERS = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"


def printable(value: str) -> str:
    # Control characters and unpaired surrogates cannot be stored or shown
    # safely.
    if any(unicodedata.category(char) in ("Cc", "Cs") for char in value):
        raise ValueError(
            "must not contain control characters or unpaired surrogates"
        )
    return value


Email = Annotated[
    str,
    StringConstraints(max_length=254, pattern=HTML5_EMAIL),
    AfterValidator(str.lower),
]
# Lengths count code points, as len() does; the Node version counts the
# same way.
Name = Annotated[
    str,
    StringConstraints(min_length=2, max_length=100),
    AfterValidator(printable),
    # Tells OpenAPI clients (and fuzzers) what printable() rejects.
    Field(json_schema_extra={"pattern": NO_CONTROL_CHARACTERS}),
]


def absent_not_null(schema: dict[str, Any]) -> None:
    # None stands for "absent" here; the validator refuses null, so the
    # document offers neither a null branch nor a null default.
    del schema["default"]
    schema.update(next(s for s in schema.pop("anyOf") if s["type"] != "null"))


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Email
    name: Name


class UserUpdate(BaseModel):
    """A partial update: absent fields stay unchanged; `null` is not a value."""

    # The document says what the validators below enforce.
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"minProperties": 1}
    )
    email: Email | None = Field(None, json_schema_extra=absent_not_null)
    name: Name | None = Field(None, json_schema_extra=absent_not_null)

    @field_validator("email", "name", mode="before")
    @classmethod
    def not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("must not be null")
        return value

    @model_validator(mode="after")
    def not_empty(self) -> "UserUpdate":
        if not self.model_fields_set:
            raise ValueError("give at least one of email, name")
        return self


class User(BaseModel):
    id: int
    email: str
    name: str


class UserPage(BaseModel):
    items: list[User]
    next_cursor: str | None


# --8<-- [end:schemas]
