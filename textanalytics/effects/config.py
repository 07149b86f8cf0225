"""``[effects]`` section of the configuration (owned by the effects stage)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..corpus.config import FieldChecks


@dataclass(frozen=True)
class EffectsConfig:
    """Covariate effects on topic shares in the report (:func:`~textanalytics.effects.estimate_effects`).

    ``formulas``: right-hand sides such as ``"~ party + s(year)"`` (none: no effects section);
    ``n_draws``: draws of the method of composition (at least 1); ``cluster``: a statement
    column for cluster-robust errors ("" = none); ``family``: ``ols`` or ``fractional_logit``;
    ``min_per_coefficient``: statements needed per coefficient (at least 1).

    >>> EffectsConfig(n_draws=0)
    Traceback (most recent call last):
    ...
    textanalytics.errors.InputError: [effects] n_draws = 0: must be at least 1
    """

    formulas: tuple[str, ...] = ()
    n_draws: int = 25
    cluster: str = ""
    family: Literal["ols", "fractional_logit"] = "ols"
    min_per_coefficient: int = 5

    def __post_init__(self) -> None:
        check = FieldChecks(self, "effects")
        check.texts("formulas", unique=True)
        for formula in self.formulas:
            if "~" not in formula:
                check.fail("formulas", f"{formula!r} is not a formula; write e.g. \"~ party + s(year)\"")
        check.integer("n_draws", minimum=1)
        check.choice("family", ("ols", "fractional_logit"))
        check.integer("min_per_coefficient", minimum=1)
