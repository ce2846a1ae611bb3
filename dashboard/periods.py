"""Work with months, quarters and financial years whose start month depends on the sector,
and with a period's comparison period and buckets."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

GRANULARITIES = ("month", "quarter", "year")
GRANULARITY_LABELS = {"month": "Month", "quarter": "Quarter", "year": "Financial year"}
MONTHS_IN = {"month": 1, "quarter": 3, "year": 12}
# Month names as strftime's %b gives them in the C locale, without a call per label.
MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def add_months(day: dt.date, months: int) -> dt.date:
    """Return the first of the month `months` after the month of `day`."""
    index = day.year * 12 + (day.month - 1) + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_start(day: dt.date) -> dt.date:
    return dt.date(day.year, day.month, 1)


def fy_year(day: dt.date, start_month: int) -> int:
    """Return the calendar year in which the financial year containing `day` starts."""
    return day.year if day.month >= start_month else day.year - 1


def fy_start(year: int, start_month: int) -> dt.date:
    return dt.date(year, start_month, 1)


def fy_label(year: int, start_month: int) -> str:
    """Label a financial year: '2023/24' when it spans two years, '2023' for January starts."""
    if start_month == 1:
        return str(year)
    return f"{year}/{(year + 1) % 100:02d}"


def bucket_start(day: dt.date, granularity: str, start_month: int) -> dt.date:
    """Return the first day of the month, FY quarter or FY that contains `day`."""
    day = month_start(day)
    if granularity == "month":
        return day
    fy = fy_year(day, start_month)
    first = fy_start(fy, start_month)
    if granularity == "year":
        return first
    offset = (day.year * 12 + day.month) - (first.year * 12 + first.month)
    return add_months(first, (offset // 3) * 3)


def bucket_from_number(number: int, granularity: str, start_month: int) -> dt.date:
    """Turn a bucket number computed in SQL into its start date.

    The number counts buckets from the start of year 0's financial year: months since then
    divided by the bucket's length in months (month, quarter or year).
    """
    index = number * MONTHS_IN[granularity] + start_month - 1  # months since January of year 0
    return dt.date(index // 12, index % 12 + 1, 1)


@functools.lru_cache(maxsize=4096)  # a page labels the same few hundred buckets each call
def period_label(start: dt.date, granularity: str, start_month: int) -> str:
    """Label a bucket: 'Apr 2023', '2023/24 Q1' or '2023/24'."""
    if granularity == "month":
        return month_label(start)
    fy = fy_year(start, start_month)
    if granularity == "year":
        return fy_label(fy, start_month)
    quarter = ((start.month - start_month) % 12) // 3 + 1
    return f"{fy_label(fy, start_month)} Q{quarter}"


@dataclass(frozen=True)
class PeriodRange:
    """An inclusive range of whole months, first day of `start` month to end of `end` month."""

    start: dt.date
    end: dt.date  # first day of the last month included

    def __post_init__(self):
        if self.start.day != 1 or self.end.day != 1:
            raise ValueError("period ranges are whole months")
        if self.end < self.start:
            raise ValueError("the end of a period range must not be before its start")

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    @property
    def end_exclusive(self) -> dt.date:
        return add_months(self.end, 1)

    def shifted(self, months: int) -> "PeriodRange":
        return PeriodRange(add_months(self.start, months), add_months(self.end, months))

    def label(self, start_month: int) -> str:
        """Describe the range in words, using financial years where it is whole years."""
        return range_label(self.start, self.end, start_month)


@functools.lru_cache(maxsize=1024)
def range_label(start: dt.date, end: dt.date, start_month: int) -> str:
    """Describe the months `start` to `end` in words (PeriodRange.label)."""
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    if start.month == start_month and months % 12 == 0:
        first = fy_year(start, start_month)
        last = fy_year(end, start_month)
        if first == last:
            return fy_label(first, start_month)
        return f"{fy_label(first, start_month)} to {fy_label(last, start_month)}"
    first = month_label(start)
    last = month_label(end)
    return first if first == last else f"{first} to {last}"


def financial_year_range(year: int, start_month: int) -> PeriodRange:
    first = fy_start(year, start_month)
    return PeriodRange(first, add_months(first, 11))


def parse_month(text: str) -> dt.date:
    """Parse 'YYYY-MM' (or 'YYYY-MM-DD') into the first day of that month."""
    text = (text or "").strip()
    parts = text.split("-")
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
        raise ValueError(f"{text!r} is not a month in the form YYYY-MM")
    year, month = int(parts[0]), int(parts[1])
    if not (1900 <= year <= 2200 and 1 <= month <= 12):
        raise ValueError(f"{text!r} is not a valid month")
    return dt.date(year, month, 1)


def month_key(day: dt.date) -> str:
    """Return 'YYYY-MM', the form of a month in links and pickers."""
    return f"{day.year:04d}-{day.month:02d}"


def month_label(day: dt.date) -> str:
    """Return a month for people: 'Apr 2023'."""
    return f"{MONTH_ABBR[day.month - 1]} {day.year}"


# --- a period's comparison period and buckets ---------------------------------------------------

@functools.lru_cache(maxsize=1024)
def comparison_period(period: PeriodRange) -> PeriodRange:
    """Return the period a period is compared with (see comparison_shift)."""
    return period.shifted(-comparison_shift(period))


def comparison_shift(period: PeriodRange) -> int:
    """Return how many months back the comparison period starts.

    The same period a year earlier; a period longer than a year is compared with the
    whole years just before it, so the two never overlap.
    """
    return 12 * max(1, -(-period.months // 12))


@functools.lru_cache(maxsize=1024)
def bucket_starts(period: PeriodRange, granularity: str, fy_start: int) -> tuple[dt.date, ...]:
    """List the start of every month, quarter or financial year that the period touches."""
    step = MONTHS_IN[granularity]
    current = bucket_start(period.start, granularity, fy_start)
    starts = []
    while current <= period.end:
        starts.append(current)
        current = add_months(current, step)
    return tuple(starts)


@functools.lru_cache(maxsize=1024)
def bucket_labels(period: PeriodRange, granularity: str, fy_start: int) -> tuple[str, ...]:
    """Label every bucket the period touches (a trend's axis, gaps included)."""
    return tuple(period_label(b, granularity, fy_start)
                 for b in bucket_starts(period, granularity, fy_start))


def history_months(period: PeriodRange, granularity: str, fy_start: int,
                   months: int) -> PeriodRange:
    """Return the history a sparkline shows: the last `months` months to the end of the period,
    in whole buckets, reaching back to the start of a period that starts a bucket."""
    spark_start = bucket_start(add_months(period.end, -(months - 1)), granularity, fy_start)
    if starts_bucket(period, granularity, fy_start):
        spark_start = min(spark_start, period.start)
    return PeriodRange(spark_start, period.end)


def starts_bucket(period: PeriodRange, granularity: str, fy_start: int) -> bool:
    """Return whether the period starts on a month, quarter or financial-year boundary."""
    return bucket_start(period.start, granularity, fy_start) == period.start
