"""Scoring script of the zero-install demo: a linear model stored as JSON, standard library only.

It follows the Azure ML entry-script contract, so it runs unchanged on an Azure ML online endpoint,
under azmlinfsrv, or on this project's local target:
- init() runs once at start-up and loads the model from AZUREML_MODEL_DIR, the registered model version's
  folder; the folder registered as ./model sits inside it as model/.
- run(raw_data) gets the request body as a string, {"data": [[x1, x2, x3], ...]}, and returns
  {"predictions": [...]}; bad input raises ValueError, which the server answers with HTTP 500 and the
  message.
"""

import json
import logging
import math
import os

coefficients = []
intercept = 0.0


def init():
    global coefficients, intercept
    path = os.path.join(os.environ["AZUREML_MODEL_DIR"], "model", "weights.json")
    with open(path, encoding="utf-8") as f:
        weights = json.load(f)
    coefficients = [float(c) for c in weights["coefficients"]]
    intercept = float(weights["intercept"])
    logging.info("loaded a linear model with %d features from %s", len(coefficients), path)


def _number(value, where):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError("%s must be a finite number, got %s" % (where, json.dumps(value)))
    return float(value)


def run(raw_data):
    try:
        request = json.loads(raw_data)
    except ValueError as exc:
        raise ValueError("the request body is not JSON: %s" % exc)
    if not isinstance(request, dict) or not isinstance(request.get("data"), list):
        raise ValueError('expected a JSON object {"data": [[x1, x2, x3], ...]}')
    predictions = []
    for i, row in enumerate(request["data"]):
        if not isinstance(row, list) or len(row) != len(coefficients):
            raise ValueError("data[%d] must be a list of %d numbers" % (i, len(coefficients)))
        xs = [_number(x, "data[%d][%d]" % (i, j)) for j, x in enumerate(row)]
        predictions.append(sum(c * x for c, x in zip(coefficients, xs)) + intercept)
    return {"predictions": predictions}
