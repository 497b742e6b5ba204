"""What API tests share with the example script: the lab's region and zone, and polling until
a state settles (taken from ``examples/lab2_sdk.py``, which trainees run as it is)."""

import importlib.util
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "lab2_sdk.py"
_spec = importlib.util.spec_from_file_location("lab2_sdk_example", EXAMPLE)
example = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(example)

REGION, ZONE, poll = example.REGION, example.ZONE, example.poll
