"""
The local run as deployed (`vlmflow run --local --as-deployed`) checks every storage request of
the job against the job role's IAM policies from `cdk synth`: the runner answers on
VLMFLOW_ACCESS_CHECK_URL, and a denial raises the AccessDenied message S3 would give. Unset (on
AWS, and in plain local runs) nothing is checked here: S3 itself decides.
"""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request

ACCESS_CHECK_ENV = "VLMFLOW_ACCESS_CHECK_URL"


class AccessDenied(PermissionError):
    """What S3 answers (403 AccessDenied) to a request the job role may not make."""


def authorize(action: str, uri: str) -> None:
    _ask({"action": action, "uri": uri})


def answer_missing(uri: str) -> None:
    """What S3 answers a GetObject/HeadObject on a missing key: returns for 404 (the role may
    list the key), raises AccessDenied for 403 (it may not). Only asked as deployed."""
    _ask({"action": "s3:GetObject", "uri": uri, "missing": True})


def _ask(question: dict) -> None:
    url = os.environ.get(ACCESS_CHECK_ENV)
    if not url:
        return
    action, uri = question["action"], question["uri"]
    body = json.dumps(question).encode()
    request = urllib.request.Request(url, data=body, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.load(response)
    except urllib.error.HTTPError as e:
        raise AccessDenied(f"the access check refused {action} on {uri}: {e.read().decode(errors='replace')}") from e
    if not answer.get("allowed"):
        raise AccessDenied(f"An error occurred (AccessDenied): {answer.get('message')}")
