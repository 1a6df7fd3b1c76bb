"""Practice: the learner's-backward checker and typed answers checked by evaluation.

Layer ``exercises`` of chainrule (see DESIGN.md): imports every layer below
``plot``. :func:`check_backward` runs a learner's own backward pass on seeded
random problems and says which gradient is wrong and what kind of mistake it
is (:data:`KINDS`), with the right equation from the deriver;
:func:`check_equation` checks a gradient typed in the text notation (read by a
safe parser, never ``eval``) and diagnoses it the same way; :func:`generate`
makes a seeded sheet of exercises (:data:`TOPICS`) whose worked solutions come
from the engine and the deriver, and whose answers are checked by
``Exercise.check``.
"""

from chainrule.exercises.answers import check_equation
from chainrule.exercises.check import check_backward
from chainrule.exercises.learner_file import LearnerTimeoutError, check_file
from chainrule.exercises.parse import ParseError
from chainrule.exercises.report import KINDS, BackwardReport, Finding
from chainrule.exercises.sheet import AnswerCheck, Exercise, Sheet
from chainrule.exercises.topics import TOPICS, generate, stream

__all__ = [
    "KINDS",
    "TOPICS",
    "AnswerCheck",
    "BackwardReport",
    "Exercise",
    "Finding",
    "LearnerTimeoutError",
    "ParseError",
    "Sheet",
    "check_backward",
    "check_equation",
    "check_file",
    "generate",
    "stream",
]
