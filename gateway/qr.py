"""QR images of badge tokens and links, drawn on the server so the page needs no script to show them."""
import io

import segno

# Medium error correction survives a creased or smudged printed badge.
_ERROR_LEVEL = "m"
# A white ground of its own: a camera cannot read dark modules on a dark page (the MC screen's navy).
_LIGHT = "#fff"


def qr_svg(payload: str, scale: int = 4) -> str:
    buffer = io.BytesIO()
    segno.make(payload, error=_ERROR_LEVEL, micro=False).save(
        buffer, kind="svg", scale=scale, border=4, xmldecl=False, svgns=True, omitsize=True, light=_LIGHT)
    return buffer.getvalue().decode("utf-8")


def qr_png(payload: str, scale: int = 8) -> bytes:
    buffer = io.BytesIO()
    segno.make(payload, error=_ERROR_LEVEL, micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
