"""A video file that shows a QR code, for Chromium's fake camera (--use-file-for-fake-video-capture)."""
from pathlib import Path

import segno

WIDTH, HEIGHT = 640, 480


def qr_video(payload: str, path: Path, frames: int = 10) -> Path:
    """A Y4M (YUV 4:2:0) video of a black-on-white QR code, centred, as a badge held up."""
    matrix = [list(row) for row in segno.make(payload, error="m", micro=False).matrix]
    quiet = 4
    modules = len(matrix) + 2 * quiet
    scale = min(WIDTH, HEIGHT) * 9 // 10 // modules
    left, top = (WIDTH - modules * scale) // 2, (HEIGHT - modules * scale) // 2
    luma = bytearray(b"\xff" * (WIDTH * HEIGHT))
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if not dark:
                continue
            for dy in range(scale):
                start = (top + (y + quiet) * scale + dy) * WIDTH + left + (x + quiet) * scale
                luma[start:start + scale] = b"\x00" * scale
    chroma = b"\x80" * (WIDTH * HEIGHT // 4)
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            video.write(b"FRAME\n" + bytes(luma) + chroma + chroma)
    return path
