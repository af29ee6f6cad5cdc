"""Trains the example model and writes what the sklearn example serves and expects.

Run from anywhere with a Python that has scikit-learn and joblib (on Debian/Ubuntu:
`apt-get install python3-sklearn python3-joblib`, then `/usr/bin/python3 examples/sklearn/train.py`):

- model/sklearn_regression_model.pkl  a Ridge regression on scikit-learn's bundled diabetes data set
- expected-predictions.json           what that model predicts for sample-request.json, computed by
                                      scikit-learn itself (the smoke test compares against it)
"""

import json
import os

import joblib
import numpy
import sklearn
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    features, target = load_diabetes(return_X_y=True)
    model = Ridge(alpha=0.5)
    model.fit(features, target)

    model_path = os.path.join(HERE, "model", "sklearn_regression_model.pkl")
    os.makedirs(os.path.dirname(model_path), exist_ok=True)
    joblib.dump(model, model_path)

    with open(os.path.join(HERE, "sample-request.json")) as f:
        data = numpy.array(json.load(f)["data"])
    predictions = model.predict(data).tolist()
    with open(os.path.join(HERE, "expected-predictions.json"), "w") as f:
        json.dump(predictions, f)
        f.write("\n")

    print("scikit-learn %s: trained Ridge(alpha=0.5) on %d rows; R^2 on the training data %.3f"
          % (sklearn.__version__, len(target), model.score(features, target)))
    print("wrote %s and expected-predictions.json: %s" % (os.path.relpath(model_path, HERE), predictions))


if __name__ == "__main__":
    main()
