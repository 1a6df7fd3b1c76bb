"""``chainrule practice``: exercises asked one at a time in the terminal, checked and scored.

Each answer is checked by the exercise's own checker (``Exercise.check``),
then the worked solution is shown. Ctrl-D or Ctrl-C ends the session with
the score so far.
"""

from __future__ import annotations

from chainrule.cli.options import CountOption, SeedOption, TopicOption
from chainrule.cli.output import console


def practice_command(
    topic: TopicOption = "chain-rule",
    seed: SeedOption = 0,
    count: CountOption = 5,
) -> None:
    """Practise one topic in the terminal: answer, see the check and the worked solution.

    An empty answer shows the solution and scores nothing; Ctrl-D or Ctrl-C
    ends with the score so far. The same seed asks the same questions as
    ``chainrule exercises`` with that seed.
    """
    from itertools import islice

    from chainrule.exercises import stream
    from chainrule.exercises.sheet import HINTS

    out = console()
    right = answered = 0
    try:
        for i, exercise in enumerate(islice(stream(topic, seed), count), 1):
            out.print(f"\nExercise {i} of {count}", style="bold", highlight=False)
            out.print(exercise.question, highlight=False, markup=False, soft_wrap=True)
            answer = input(f"your answer ({HINTS[exercise.answer_kind]}): ").strip()
            if answer:
                verdict = exercise.check(answer)
                answered += 1
                right += verdict.ok
                mark = "right" if verdict.ok else f"not right ({verdict.kind})"
                out.print(f"{mark}: {verdict.message}", highlight=False, markup=False)
            else:
                skipped = f"skipped: the answer is {exercise.answer}"
                out.print(skipped, highlight=False, markup=False)
            out.print("Worked solution:", style="bold", highlight=False)
            out.print(exercise.solution, highlight=False, markup=False, soft_wrap=True)
            out.print(f"score: {right} of {answered}", highlight=False)
    except (EOFError, KeyboardInterrupt):
        out.print("\nstopped.", highlight=False)
    out.print(f"final score: {right} of {answered} answered", style="bold", highlight=False)
