"""img2dataset's own Resizer over the benchmark's images, one thread: images per second.

Called by curate.bench.ts: python3 img2dataset_resizer.py <dir of .jpg> <longest edge> <reps>
Prints one JSON line: {"ms": [per pass], "cpu_ms": [per pass], "images": n, "version": ...}.
"""

import io
import json
import os
import sys
import time

import cv2

cv2.setNumThreads(1)  # per core, like sharp.concurrency(1) on the Node side

import img2dataset  # noqa: E402
from img2dataset.resizer import ResizeMode, Resizer  # noqa: E402


def main() -> None:
    folder, edge, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    paths = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".jpg"))
    images = [open(p, "rb").read() for p in paths]
    # The target of the curate path: longest edge `edge`, never upscaled, JPEG quality 90.
    resizer = Resizer(
        image_size=edge,
        resize_mode=ResizeMode.keep_ratio_largest,
        resize_only_if_bigger=True,
        encode_quality=90,
        encode_format="jpg",
    )

    def one_pass() -> None:
        for data in images:
            out = resizer(io.BytesIO(data))
            if out[-1] is not None:
                raise RuntimeError(out[-1])

    one_pass()  # warm-up
    ms, cpu_ms = [], []
    for _ in range(reps):
        wall, cpu = time.perf_counter(), time.process_time()
        one_pass()
        ms.append((time.perf_counter() - wall) * 1000)
        cpu_ms.append((time.process_time() - cpu) * 1000)
    version = getattr(img2dataset, "__version__", None)
    if version is None:
        from importlib.metadata import version as package_version

        version = package_version("img2dataset")
    print(json.dumps({"ms": ms, "cpu_ms": cpu_ms, "images": len(images), "version": version, "opencv": cv2.__version__}))


if __name__ == "__main__":
    main()
