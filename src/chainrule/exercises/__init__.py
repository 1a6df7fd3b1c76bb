"""Practice: the learner's-backward checker (and, in time, exercises with answer checking).

Layer ``exercises`` of chainrule (see DESIGN.md): imports every layer below
``plot``. :func:`check_backward` runs a learner's own backward pass on seeded
random problems and says which gradient is wrong and what kind of mistake it
is (:data:`KINDS`), with the right equation from the deriver.
"""

from chainrule.exercises.check import check_backward
from chainrule.exercises.learner_file import LearnerTimeoutError, check_file
from chainrule.exercises.report import KINDS, BackwardReport, Finding

__all__ = [
    "KINDS",
    "BackwardReport",
    "Finding",
    "LearnerTimeoutError",
    "check_backward",
    "check_file",
]
