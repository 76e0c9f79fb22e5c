"""Domain errors raised by services and turned into typed GraphQL payloads.

Every error has a stable code and a message in Chinese and English. A
service that raises leaves the database as it was: the caller rolls back.
"""

from __future__ import annotations

from partygraph.rules.base import Violation


class DomainError(Exception):
    code: str = "ERROR"

    def __init__(self, message_zh: str, message_en: str, field: str | None = None) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en
        self.field = field

    @property
    def extensions(self) -> dict[str, object]:
        """graphql-core copies these into the error when a query resolver raises."""
        return {"code": self.code, "messageZh": self.message_zh, "messageEn": self.message_en, "field": self.field}


class RuleViolationError(DomainError):
    def __init__(self, violation: Violation) -> None:
        super().__init__(violation.message_zh, violation.message_en, violation.field)
        self.code = violation.code
        self.violation = violation


def _english(type_name: str, type_en: str | None) -> str:
    return type_en or (type_name if type_name.isascii() else "Record")


class NotFoundError(DomainError):
    code = "NOT_FOUND"

    def __init__(self, type_name: str, ident: object, field: str | None = None, type_en: str | None = None) -> None:
        super().__init__(
            f"未找到{type_name}（{ident}）或无权访问",
            f"{_english(type_name, type_en)} {ident} not found",
            field,
        )
        self.type_name = type_name
        self.ident = ident


class NotAllowedError(DomainError):
    code = "NOT_ALLOWED"

    def __init__(self, message_zh: str = "当前账号无权执行此操作", message_en: str = "This account may not do that") -> None:
        super().__init__(message_zh, message_en)


class ConflictError(DomainError):
    code = "CONFLICT"

    def __init__(self, type_name: str, expected: int, current: int, type_en: str | None = None) -> None:
        super().__init__(
            f"该{type_name}记录已被他人修改（版本 {expected} → {current}），请刷新后重试",
            f"{_english(type_name, type_en)} was changed by someone else (version {expected} → {current}); reload and retry",
            "version",
        )
        self.expected = expected
        self.current = current


def violation(code: str, zh: str, en: str, field: str | None = None) -> RuleViolationError:
    """Shorthand for input validation failures that are not domain rules of their own."""
    return RuleViolationError(Violation(code, zh, en, field))
