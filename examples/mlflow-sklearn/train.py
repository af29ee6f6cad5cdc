"""Trains the no-code MLflow example and writes it in MLflow's model layout, without needing mlflow.

Run with a Python that has scikit-learn (on Debian/Ubuntu: `apt-get install python3-sklearn python3-yaml`,
then `/usr/bin/python3 examples/mlflow-sklearn/train.py`). Writes what `mlflow.sklearn.save_model` writes:

- sklearn-diabetes/model/MLmodel           flavors `python_function` (loader mlflow.sklearn) and `sklearn`,
                                            and a column signature (the ten diabetes features)
- sklearn-diabetes/model/model.pkl         a LinearRegression on scikit-learn's bundled diabetes data set
                                            (cloudpickle when installed, else pickle, as MLmodel says)
- sklearn-diabetes/model/conda.yaml, python_env.yaml, requirements.txt   the model's environment
- expected-predictions.json                what the model predicts for sample-request.json, computed by
                                            scikit-learn itself (the smoke test compares against it)
"""

import json
import os
import pickle
import sys
import uuid
from datetime import datetime, timezone

import numpy
import sklearn
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression

try:
    import cloudpickle
except ImportError:
    cloudpickle = None
try:
    import yaml
except ImportError:
    yaml = None

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_DIR = os.path.join(HERE, "sklearn-diabetes", "model")
COLUMNS = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]


def main():
    features, target = load_diabetes(return_X_y=True)
    model = LinearRegression()
    model.fit(features, target)
    os.makedirs(MODEL_DIR, exist_ok=True)

    fmt = "cloudpickle" if cloudpickle else "pickle"
    with open(os.path.join(MODEL_DIR, "model.pkl"), "wb") as f:
        (cloudpickle or pickle).dump(model, f)

    python_version = "%d.%d.%d" % sys.version_info[:3]
    mlmodel = {
        "artifact_path": "model",
        "flavors": {
            "python_function": {
                "env": {"conda": "conda.yaml", "virtualenv": "python_env.yaml"},
                "loader_module": "mlflow.sklearn",
                "model_path": "model.pkl",
                "predict_fn": "predict",
                "python_version": python_version,
            },
            "sklearn": {
                "code": None,
                "pickled_model": "model.pkl",
                "serialization_format": fmt,
                "sklearn_version": sklearn.__version__,
            },
        },
        "mlflow_version": "2.9.2",
        "model_uuid": uuid.UUID(int=0x5EED).hex,
        "signature": {
            "inputs": json.dumps([{"type": "double", "name": c} for c in COLUMNS]),
            "outputs": json.dumps([{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1]}}]),
            "params": None,
        },
        "utc_time_created": datetime(2024, 1, 1, tzinfo=timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f"),
    }
    with open(os.path.join(MODEL_DIR, "MLmodel"), "w") as f:
        if yaml:
            yaml.safe_dump(mlmodel, f, default_flow_style=False)  # as mlflow writes it
        else:
            sys.exit("PyYAML is needed to write MLmodel (apt-get install python3-yaml)")
    requirements = ["mlflow==2.9.2", "cloudpickle", "scikit-learn==%s" % sklearn.__version__]
    with open(os.path.join(MODEL_DIR, "requirements.txt"), "w") as f:
        f.write("\n".join(requirements) + "\n")
    with open(os.path.join(MODEL_DIR, "conda.yaml"), "w") as f:
        f.write(
            "channels:\n  - conda-forge\ndependencies:\n  - python=%s\n  - pip<=24.0\n  - pip:\n%s\nname: mlflow-env\n"
            % (python_version, "".join("      - %s\n" % r for r in requirements))
        )
    with open(os.path.join(MODEL_DIR, "python_env.yaml"), "w") as f:
        f.write("python: %s\nbuild_dependencies:\n  - pip\ndependencies:\n  - -r requirements.txt\n" % python_version)

    with open(os.path.join(HERE, "sample-request.json")) as f:
        split = json.load(f)["input_data"]
    assert split["columns"] == COLUMNS
    predictions = model.predict(numpy.array(split["data"])).tolist()
    with open(os.path.join(HERE, "expected-predictions.json"), "w") as f:
        json.dump(predictions, f)
        f.write("\n")
    print("scikit-learn %s: LinearRegression on %d rows (R^2 %.3f), saved with %s; predictions %s"
          % (sklearn.__version__, len(target), model.score(features, target), fmt, predictions))


if __name__ == "__main__":
    main()
