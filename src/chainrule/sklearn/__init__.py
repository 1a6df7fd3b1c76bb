"""scikit-learn estimators around the chainrule MLP: rows outside, columns inside.

Layer ``sklearn`` of chainrule (see DESIGN.md): it may import every layer
below ``cli`` and ``app``, and nothing in chainrule imports it.

    from chainrule.sklearn import MLPClassifier
    clf = MLPClassifier((64,), solver="adam", random_state=0).fit(X, y)
    clf.predict_proba(X_test)             # (m, n_classes)
    chainrule.derive(clf.model_)          # the equations of what was trained
"""

from chainrule.sklearn.estimators import MLPClassifier, MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor"]
