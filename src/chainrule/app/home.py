"""The home page: what each page of the app teaches, and where to start."""

from __future__ import annotations

from dash import dcc, html

SECTIONS = (
    (
        "/landscape",
        "The optimizer race",
        "Gradient descent, momentum, Nesterov, RMSprop, Adam, AdamW and Adagrad race "
        "across a loss surface from the same start: seed 000's univariate regression in "
        "(w, b) space, or a classic test function (Rosenbrock, Himmelblau, Beale, "
        "Goldstein-Price, Styblinski-Tang, Rastrigin, a saddle, a bowl of chosen "
        "condition number), two weights of seed 000's sigmoid network or a random slice "
        "of an MLP. Click the contour to move the start; every slider recomputes "
        "every path at once. Teaches why the learning rate matters, what momentum buys "
        "in a narrow valley and how adaptive methods rescale each coordinate.",
    ),
    (
        "/backprop",
        "The backprop stepper",
        "A 2-2-2 network whose inputs, targets and weights you type, seed 000's four "
        "networks, seed 003's logistic regression and classifier, seed 001's 3-2-1 "
        "delta-rule network or a small MLP, computed one node at a time: the forward "
        "pass, then the backward pass adjoint by adjoint, then the update. Each step "
        "shows its equation (derived from the network by chainrule's symbolic "
        "deriver), the same equation with the numbers substituted, and the result "
        "with its shape. Work each one out "
        "yourself first and check your number.",
    ),
    (
        "/playground",
        "The playground",
        "Build a small network and watch it learn: circle, xor, two Gaussians, a spiral, "
        "moons, and blobs or spiral arms of 3 to 5 classes, with noise, a train/test split "
        "and a seed; inputs x₁, x₂, x₁², x₂², x₁x₂, sin x₁, sin x₂; hidden layers with their "
        "own sizes and activations; an optimizer, learning rate and batch size. Step one "
        "batch or one epoch at a time, or play, and see the decision boundary and the train "
        "and test loss move. Teaches what depth, features and the learning rate buy, and "
        "what a diverging run looks like.",
    ),
    (
        "/practice",
        "Practice",
        "Exercises on every topic of the sheets: the chain rule, one gradient step, the "
        "shapes and backward equations of seed 000's networks, momentum, RMSprop and Adam by "
        "hand, seed 001's delta rule, mini-batches, finding the mistakes in a derivation like "
        "seed 003's, gradient checking and reading a landscape. Choose a topic and a seed, "
        "type your answer and have it checked: the checker says what is wrong (a sign, a "
        "factor, a transpose, a missed line), then shows the worked solution, and keeps "
        "your score for the session.",
    ),
)


def layout() -> html.Div:
    """The home page."""
    cards = [
        html.Section(
            [html.H2(dcc.Link(title, href=path)), html.P(text)],
            className="card",
        )
        for path, title, text in SECTIONS
    ]
    return html.Div(
        [
            html.H1("chainrule: backpropagation you can see"),
            html.P(
                "Everything here runs on this machine: the pages are computed by chainrule's "
                "own engine, optimizers and deriver, and no request leaves your computer. "
                "Every page keeps its settings in its address, so a link reproduces the view.",
                className="lead",
            ),
            *cards,
        ],
        className="home",
    )
