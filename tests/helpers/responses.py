"""What the patient would read: dispatched responses filled from domain.yml."""

from __future__ import annotations

import re
from typing import Any, Dict, List

TEMPLATE_VARIABLE = re.compile(r"{([a-z_]+)}")


def render(messages: List[Dict[str, Any]], domain: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Fill each dispatched response template the way Rasa's generator does.

    Fails the test when a response is missing from the domain or a template
    variable is not supplied, which would show raw ``{braces}`` to a patient.
    """
    rendered = []
    for message in messages:
        name = message.get("response")
        if not name:
            rendered.append({"text": message.get("text"), "buttons": message.get("buttons", [])})
            continue
        assert name in domain["responses"], f"{name} is not in domain.yml"
        template = domain["responses"][name][0]
        values = {**message, **message.get("kwargs", {})}
        missing = set(TEMPLATE_VARIABLE.findall(template["text"])) - set(values)
        assert not missing, f"{name}: no value for {sorted(missing)}"
        text = TEMPLATE_VARIABLE.sub(lambda m, v=values: str(v[m.group(1)]), template["text"])
        rendered.append({"text": text, "buttons": template.get("buttons", [])})
    return rendered
