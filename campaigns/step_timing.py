"""When a campaign's step runs, as the step form says it, for campaigns whose timing is not the step's day.

A journey runs its campaign's steps when members reach its action nodes, after its own waits, so the step's
"day" means nothing there. The app that runs such campaigns registers a describer in its AppConfig.ready()
(journeys does), so campaigns never imports the floor above it.
"""
from typing import Callable

_describers: list[Callable] = []


def register(describer: Callable) -> None:
    """`describer(step)` returns the text for a step it runs, else None."""
    if describer not in _describers:
        _describers.append(describer)


def step_timing_text(step) -> str | None:
    for describer in _describers:
        text = describer(step)
        if text is not None:
            return text
    return None
