#!/usr/bin/env python3
"""Draw assets/favicon.ico: a white bold "S" on an NHS-blue rounded square.

A one-off development helper, not a runtime dependency. It needs Pillow, which is not in
requirements.txt: run it from a throwaway environment, e.g.
    python3 -m venv /tmp/icon && /tmp/icon/bin/pip install Pillow
    /tmp/icon/bin/python scripts/make-favicon.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

NHS_BLUE = (0, 94, 184, 255)
WHITE = (255, 255, 255, 255)
SIZES = [16, 24, 32, 48, 64]
FONTS = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
]
OUT = Path(__file__).resolve().parent.parent / "assets" / "favicon.ico"


def master(size: int = 256) -> Image.Image:
    """Draw the icon large; smaller sizes are resampled from it."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=size // 6, fill=NHS_BLUE)
    font_path = next((p for p in FONTS if Path(p).exists()), None)
    if font_path is None:
        sys.exit("no bold TrueType font found (apt-get install fonts-dejavu-core)")
    font = ImageFont.truetype(font_path, int(size * 0.78))
    left, top, right, bottom = draw.textbbox((0, 0), "S", font=font)
    x = (size - (right - left)) / 2 - left
    y = (size - (bottom - top)) / 2 - top
    draw.text((x, y), "S", font=font, fill=WHITE)
    return image


def main() -> None:
    big = master()
    big.save(OUT, format="ICO", sizes=[(s, s) for s in SIZES])
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, sizes {SIZES})")


if __name__ == "__main__":
    main()
