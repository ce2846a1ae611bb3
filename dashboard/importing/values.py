"""Read the numbers and periods people type into spreadsheets, with a clear reason when they can't be.

Numbers: ``1234``, ``1,234``, ``1,234.50``, ``£1,234.50``, ``$1,234``, ``€5``, ``12%``, ``-3``,
``1.5e6``. A comma must be followed by exactly three digits (``1,23`` is refused: is it 1.23 or a
typo for 1,230?). Blank cells are the caller's business: they are missing, never zero.

Periods (``parse_period``), with ``fy_start_month`` the first month of the service's financial
year (4 for NHS April starts):

- months: ``2023-04``, ``2023-04-01`` (a month starts on the 1st), ``Apr 2023``, ``April 2023``,
  ``apr-2023``, ``Apr-23`` (as Excel shows a month);
- financial years: ``2023/24``, ``2023-24``, ``2023/2024`` (the year starting in month
  ``fy_start_month`` of 2023); ``FY2024`` (or ``FY24``) is the financial year *ending* in 2024: for
  April starts that is 2023/24, for January starts calendar 2024. With January starts a financial
  year is a calendar year, so ``2023`` is accepted and ``2023/24`` is not;
- quarters count within the financial year: ``2023 Q2``, ``2023/24 Q2``, ``Q2 2023/24`` and
  ``FY2024 Q2`` are all the second quarter of financial year 2023/24, which for April starts is
  July to September 2023 (period start 2023-07-01), not calendar April to June.

``YYYY-NN`` is a month when NN is 01 to 12, otherwise a financial year (``2023-24``); so ``2011-12``
is December 2011 (``ambiguous_period`` says when a text could also be read as a financial year).
"""

from __future__ import annotations

import datetime as dt
import math
import re

from ..periods import add_months

# ---------------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------------

CURRENCY_SYMBOLS = "£$€¥"
_NUMBER = re.compile(
    r"""^(?P<sign1>[+-]?)\s*(?P<cur1>[£$€¥]?)\s*(?P<sign2>[+-]?)\s*
        (?P<digits>\d{1,3}(?:,\d{3})+|\d+|(?=\.\d))(?P<fraction>\.\d+)?
        (?P<exponent>[eE][+-]?\d+)?
        \s*(?P<cur2>[£$€¥]?)\s*(?P<percent>%?)$""",
    re.VERBOSE,
)
_SPACES = "\u00a0\u202f\u2009\ufeff"


def parse_number(text: str) -> float:
    """Return the number a spreadsheet cell shows, or raise ValueError saying why it is not one."""
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a number")
    cleaned = text.strip().strip(_SPACES).strip().replace("\u2212", "-")
    if not cleaned:
        raise ValueError("the cell is blank")
    match = _NUMBER.match(cleaned)
    if not match:
        raise ValueError(_why_not_number(text.strip(), cleaned))
    if match["sign1"] and match["sign2"]:
        raise ValueError(f"{text.strip()!r} has two signs")
    if match["cur1"] and match["cur2"]:
        raise ValueError(f"{text.strip()!r} has two currency symbols")
    if match["percent"] and (match["cur1"] or match["cur2"]):
        raise ValueError(f"{text.strip()!r} has both a currency symbol and a percent sign")
    number = (match["digits"] or "").replace(",", "") + (match["fraction"] or "")
    number += match["exponent"] or ""
    value = float(number)
    if not math.isfinite(value):
        raise ValueError(f"{text.strip()!r} is too large to be a figure")
    if match["sign1"] == "-" or match["sign2"] == "-":
        value = -value
    return value


def _why_not_number(shown: str, cleaned: str) -> str:
    body = cleaned.lstrip("+-").strip().strip(CURRENCY_SYMBOLS).strip().rstrip("%").strip()
    if re.fullmatch(r"[\d,.]+", body):
        if body.count(".") > 1:
            return f"{shown!r} is not a number: it has more than one decimal point"
        if "," in body:
            return (f"{shown!r} is not a number: a comma must separate thousands, followed by "
                    "exactly three digits (write 1,234 or 1.23)")
    if re.fullmatch(r"\(\s*[£$€¥]?[\d,.]+\s*\)", cleaned):
        return f"{shown!r} is not a number: write negative figures with a minus sign"
    if shown.lower() in {"n/a", "na", "nan", "-", "--", "none", "null", "missing", "?", "x",
                         "..", ".", "c", "*", "inf", "-inf", "infinity"}:
        return (f"{shown!r} is not a number: leave the cell blank if the figure is missing")
    return f"{shown!r} is not a number: write figures, e.g. 1234 or 1,234.50"


# ---------------------------------------------------------------------------------------------
# Values against units
# ---------------------------------------------------------------------------------------------


def check_value(value: float, unit: str) -> str | None:
    """Return why `value` is impossible for a metric measured in `unit`, or None if it is fine."""
    if value is None or not math.isfinite(value):
        return "not a finite number"
    if value < 0:
        return "counts and amounts cannot be negative"
    if unit == "percent" and value > 100:
        return "a percentage cannot be over 100"
    return None


# ---------------------------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------------------------

PERIOD_HINT = "use 2023-04, Apr 2023, 2023/24, FY2024 or 2023 Q2"

_MONTH_NAMES = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}

_ISO_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_NAMED_MONTH = re.compile(r"^([a-z]+)\.?[\s\-/]*(\d{4}|\d{2})$")
_FY_SPAN = re.compile(r"^(?:fy\s*)?(\d{4})\s*[/\-]\s*(\d{2}|\d{4})$")
_FY_END = re.compile(r"^fy\s*-?\s*(\d{4}|\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^q([0-9])$")

MIN_YEAR, MAX_YEAR = 1900, 2200


def parse_period(text: str, fy_start_month: int) -> tuple[str, dt.date]:
    """Return (period_type, period_start) for a period as typed, or raise ValueError saying why.

    period_type is "month", "quarter" or "year"; period_start is the first day of the month, of
    the quarter, or of the financial year (which starts in `fy_start_month`). See the module
    docstring for the forms accepted; quarters count within the financial year and ``FY2024`` is
    the financial year ending in 2024.
    """
    if not 1 <= fy_start_month <= 12:
        raise ValueError(f"the financial year must start in month 1 to 12, not {fy_start_month}")
    shown = (text or "").strip()
    cleaned = re.sub(r"\s+", " ", shown.lower())
    if not cleaned:
        raise ValueError("the period is blank: " + PERIOD_HINT)

    # Quarters: "2023 Q2", "2023/24 Q2", "Q2 2023/24", "2023-Q2", "FY2024 Q2"
    quarter_match = re.fullmatch(r"(.+?)[\s\-]*(q\d+)|(q\d+)[\s\-]*(.+)", cleaned)
    if quarter_match:
        year_text = quarter_match.group(1) or quarter_match.group(4)
        quarter_text = quarter_match.group(2) or quarter_match.group(3)
        number = int(quarter_text[1:])
        if not 1 <= number <= 4:
            raise ValueError(f"{shown!r} is not a period: quarters are Q1 to Q4")
        fy = _financial_year(year_text.strip(), shown, fy_start_month, plain_year_ok=True)
        start = add_months(dt.date(fy, fy_start_month, 1), (number - 1) * 3)
        return "quarter", start

    match = _ISO_DATE.match(cleaned)
    if match:
        year, month, day = (int(g) for g in match.groups())
        _check_year(year, shown)
        try:
            dt.date(year, month, day)
        except ValueError:
            raise ValueError(f"{shown!r} is an impossible date") from None
        if day != 1:
            raise ValueError(f"{shown!r}: a month starts on the 1st "
                             f"(write {year:04d}-{month:02d}-01 or {year:04d}-{month:02d})")
        return "month", dt.date(year, month, 1)

    match = _ISO_MONTH.match(cleaned)
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12:
            _check_year(year, shown)
            return "month", dt.date(year, month, 1)
        if len(match.group(2)) != 2 or month != (year + 1) % 100:
            raise ValueError(f"{shown!r} is not a period: {PERIOD_HINT}")

    match = _NAMED_MONTH.match(cleaned)
    if match and match.group(1) in _MONTH_NAMES:
        year_text = match.group(2)
        year = int(year_text) if len(year_text) == 4 else 2000 + int(year_text)
        _check_year(year, shown)
        return "month", dt.date(year, _MONTH_NAMES[match.group(1)], 1)

    if _FY_SPAN.match(cleaned) or _FY_END.match(cleaned) or _YEAR.match(cleaned):
        fy = _financial_year(cleaned, shown, fy_start_month, plain_year_ok=False)
        return "year", dt.date(fy, fy_start_month, 1)

    raise ValueError(f"{shown!r} is not a period: {PERIOD_HINT}")


def _check_year(year: int, shown: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"{shown!r} is not a period: the year must be {MIN_YEAR} to {MAX_YEAR}")


def _financial_year(text: str, shown: str, start_month: int, *, plain_year_ok: bool) -> int:
    """Return the calendar year in which the financial year written as `text` starts."""
    match = _FY_SPAN.match(text)
    if match:
        first, second = int(match.group(1)), match.group(2)
        _check_year(first, shown)
        expected = first + 1
        if (len(second) == 2 and int(second) != expected % 100) or (
            len(second) == 4 and int(second) != expected
        ):
            raise ValueError(
                f"{shown!r} is not a financial year: the second year must follow the first "
                f"(write {first}/{expected % 100:02d})"
            )
        if start_month == 1:
            raise ValueError(
                f"{shown!r} spans two years, but this service's financial year is the calendar "
                f"year: write {first} or FY{first}"
            )
        return first
    match = _FY_END.match(text)
    if match:
        year_text = match.group(1)
        end = int(year_text) if len(year_text) == 4 else 2000 + int(year_text)
        _check_year(end, shown)
        # The financial year ending in `end`: for January starts, calendar year `end`.
        return end if start_month == 1 else end - 1
    match = _YEAR.match(text)
    if match:
        year = int(match.group(1))
        _check_year(year, shown)
        if start_month == 1 or plain_year_ok:
            return year
        first = dt.date(year, start_month, 1)
        last = add_months(first, -1)
        raise ValueError(
            f"{shown!r} is ambiguous: this service's financial year starts in {first:%B}, so "
            f"write {year}/{(year + 1) % 100:02d} for the year from {first:%B %Y}, or FY{year} "
            f"for the year to {last:%B %Y}"
        )
    raise ValueError(f"{shown!r} is not a period: {PERIOD_HINT}")


def ambiguous_period(text: str) -> str | None:
    """Say how `text` is read when it could also mean a financial year ('2011-12'), else None."""
    match = _ISO_MONTH.match((text or "").strip())
    if not match or len(match.group(2)) != 2:
        return None
    year, second = int(match.group(1)), int(match.group(2))
    if 1 <= second <= 12 and second == (year + 1) % 100:
        month = dt.date(year, second, 1)
        return (f"{text.strip()!r} is read as the month {month:%B %Y}; write "
                f"{year}/{second:02d} for the financial year")
    return None
