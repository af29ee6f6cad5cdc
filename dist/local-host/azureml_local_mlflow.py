"""No-code MLflow models for host.py (`--mlflow-model`): Azure ML's MLflow scoring contract, stdlib-only.

Loading: with `mlflow` importable in this Python, `mlflow.pyfunc.load_model` (every flavor MLflow knows).
Without it, the `sklearn` flavor is loaded directly: the pickled model named by the MLmodel file, read with
pickle or cloudpickle as its `serialization_format` says (cloudpickle files of ordinary estimators load with
pickle too when cloudpickle is missing). Any other flavor fails with a message naming it and
`pip install mlflow`. MLmodel is YAML: PyYAML when importable, else a reader for the simple structure MLflow
writes (nested mappings, scalars, quoted and folded strings, block lists).

Requests, as Azure ML's MLflow scoring script takes them (optional top-level `params` passed to predict):
  {"input_data": {"columns": [...], "index": [...], "data": [[...], ...]}}   split form (index optional)
  {"input_data": [{"col": value, ...}, ...]}                                 records form
  {"input_data": [[...], ...]}                                               a plain list (rows or values)
  {"dataframe_split": {...}}, {"dataframe_records": [...]}, {"inputs": ...}, {"instances": ...}   (MLflow's own)
Answer: a JSON list of predictions (a DataFrame answer as a list of records).
With a column signature in MLmodel, missing columns, or rows whose length differs from the signature's
column count, are a 400 naming the problem; columns the signature does not know are dropped (as MLflow does).
"""

import json
import logging
import os
import pickle
import sys

log = logging.getLogger("azureml-local-host")


class BadRequest(Exception):
    """The request does not fit the contract or the signature: HTTP 400 with this message."""


class ModelLoadError(Exception):
    """The model folder cannot be served; the message says why and what to do."""


# --- MLmodel (YAML) -----------------------------------------------------------------------------------------


def read_mlmodel(path):
    with open(path, "r", encoding="utf-8") as f:
        text = f.read()
    try:
        import yaml  # noqa: PLC0415 (optional)
    except ImportError:
        yaml = None
    if yaml is not None:
        data = yaml.safe_load(text)
    else:
        data = parse_simple_yaml(text)
    if not isinstance(data, dict):
        raise ModelLoadError("%s is not an MLmodel file (expected a YAML mapping)" % path)
    return data


def _scalar(text):
    t = text.strip()
    if t == "" or t in ("null", "Null", "NULL", "~"):
        return None
    if t in ("true", "True", "TRUE"):
        return True
    if t in ("false", "False", "FALSE"):
        return False
    if len(t) >= 2 and t[0] == "'" and t[-1] == "'":
        return t[1:-1].replace("''", "'")
    if len(t) >= 2 and t[0] == '"' and t[-1] == '"':
        try:
            return json.loads(t)
        except ValueError:
            return t[1:-1]
    if t in ("{}",):
        return {}
    if t in ("[]",):
        return []
    try:
        return int(t)
    except ValueError:
        pass
    try:
        return float(t)
    except ValueError:
        pass
    return t


def _quote_open(value):
    """True when value starts a quoted scalar that does not end on this line."""
    v = value.strip()
    if not v or v[0] not in "'\"":
        return False
    q = v[0]
    body = v[1:]
    if q == "'":
        body = body.replace("''", "")
        return q not in body
    i = 0
    while i < len(body):
        if body[i] == "\\":
            i += 2
            continue
        if body[i] == q:
            return False
        i += 1
    return True


def parse_simple_yaml(text):
    """The YAML subset MLflow writes: block mappings and lists, plain/quoted/folded scalars, `#` comments."""
    lines = []
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#") or raw.strip() in ("---", "..."):
            lines.append(None if not raw.strip() else "")
            continue
        lines.append(raw.rstrip())
    pos = [0]

    def indent_of(line):
        return len(line) - len(line.lstrip(" "))

    def next_line():
        while pos[0] < len(lines) and not lines[pos[0]]:
            pos[0] += 1
        return lines[pos[0]] if pos[0] < len(lines) else None

    def continuation(value, min_indent):
        """Joins folded continuation lines (more indented than the key) of a scalar."""
        parts = [value.strip()]
        quoted = _quote_open(value)
        while pos[0] < len(lines):
            line = lines[pos[0]]
            if line is None:  # an empty line inside a folded scalar is a newline
                if quoted:
                    parts.append("\n")
                    pos[0] += 1
                    continue
                break
            if line == "" or indent_of(line) < min_indent:
                break
            parts.append(line.strip())
            pos[0] += 1
            if quoted and not _quote_open(" ".join(p for p in parts if p != "\n")):
                break
        out = ""
        for p in parts:
            if p == "\n":
                out = out.rstrip(" ") + "\n"
            else:
                out = (out + " " + p) if out and not out.endswith("\n") else out + p
        return _scalar(out)

    def parse_block(indent):
        line = next_line()
        if line is None:
            return None
        if line.lstrip().startswith("- ") or line.strip() == "-":
            return parse_list(indent_of(line))
        return parse_map(indent_of(line))

    def parse_list(indent):
        items = []
        while True:
            line = next_line()
            if line is None or indent_of(line) != indent or not (line.lstrip().startswith("- ") or line.strip() == "-"):
                return items
            pos[0] += 1
            rest = line.strip()[1:].strip()
            if not rest:
                items.append(parse_block(indent + 1))
            elif ":" in rest and not rest.startswith(("'", '"')) and (rest.split(":", 1)[1][:1] in ("", " ")):
                # "- key: value" starts a mapping whose keys line up with `key`.
                inner = indent + 2
                lines[pos[0] - 1] = " " * inner + rest
                pos[0] -= 1
                items.append(parse_map(inner))
            else:
                items.append(continuation(rest, indent + 1))

    def parse_map(indent):
        result = {}
        while True:
            line = next_line()
            if line is None or indent_of(line) != indent:
                return result
            stripped = line.strip()
            if stripped.startswith("- "):
                return result
            if ":" not in stripped:
                raise ModelLoadError("MLmodel line %d: expected `key: value`, got %r" % (pos[0] + 1, stripped))
            key, _, value = stripped.partition(":")
            key = _scalar(key)
            pos[0] += 1
            if value.strip():
                result[key] = continuation(value, indent + 1)
            else:
                nxt = next_line()
                if nxt is not None and (
                    indent_of(nxt) > indent or (indent_of(nxt) == indent and nxt.lstrip().startswith("- "))
                ):
                    result[key] = parse_block(indent_of(nxt))
                else:
                    result[key] = None

    return parse_block(0)


# --- the model ----------------------------------------------------------------------------------------------


def find_model_folder(path):
    """The folder holding MLmodel: `path` itself, or its only subfolder that has one (AZUREML_MODEL_DIR/<name>)."""
    if os.path.isfile(os.path.join(path, "MLmodel")):
        return path
    if not os.path.isdir(path):
        raise ModelLoadError("the MLflow model folder %s does not exist" % path)
    found = [
        os.path.join(path, name)
        for name in sorted(os.listdir(path))
        if os.path.isfile(os.path.join(path, name, "MLmodel"))
    ]
    if len(found) == 1:
        return found[0]
    if not found:
        raise ModelLoadError("no MLmodel file in %s or its subfolders: not an MLflow model" % path)
    raise ModelLoadError("several MLflow models under %s (%s): name one" % (path, ", ".join(found)))


def parse_signature(mlmodel):
    """Column names of the input signature ([(name, required)]), or None (no signature, or a tensor one)."""
    signature = mlmodel.get("signature") or {}
    inputs = signature.get("inputs")
    if not inputs:
        return None
    if isinstance(inputs, str):
        try:
            inputs = json.loads(inputs)
        except ValueError:
            return None
    if not isinstance(inputs, list) or not inputs:
        return None
    if any(not isinstance(c, dict) or c.get("type") == "tensor" for c in inputs):
        return None
    return [(c.get("name"), c.get("required", True) is not False) for c in inputs]


class MlflowModel:
    def __init__(self, folder, mlmodel, predict, kind):
        self.folder = folder
        self.mlmodel = mlmodel
        self._predict = predict
        self.kind = kind
        self.columns = parse_signature(mlmodel)

    def predict(self, data, params):
        return self._predict(data, params)


def load(path):
    folder = find_model_folder(os.path.abspath(path))
    mlmodel = read_mlmodel(os.path.join(folder, "MLmodel"))
    flavors = mlmodel.get("flavors") or {}
    try:
        import mlflow.pyfunc  # noqa: PLC0415 (optional)
    except ImportError:
        mlflow_pyfunc = None
    else:
        mlflow_pyfunc = mlflow.pyfunc
    if mlflow_pyfunc is not None:
        model = mlflow_pyfunc.load_model(folder)

        def predict_pyfunc(data, params):
            if params is None:
                return model.predict(data)
            return model.predict(data, params=params)

        return MlflowModel(folder, mlmodel, predict_pyfunc, "mlflow.pyfunc")
    sk = flavors.get("sklearn")
    pyfunc = flavors.get("python_function") or {}
    if isinstance(sk, dict) and sk.get("pickled_model"):
        file_name = sk["pickled_model"]
        fmt = sk.get("serialization_format") or "cloudpickle"
        code = sk.get("code") or pyfunc.get("code")
    elif pyfunc.get("loader_module") == "mlflow.sklearn" and (pyfunc.get("model_path") or pyfunc.get("data")):
        file_name = pyfunc.get("model_path") or pyfunc.get("data")
        fmt = "cloudpickle"
        code = pyfunc.get("code")
    else:
        names = ", ".join(sorted(str(k) for k in flavors)) or "none"
        raise ModelLoadError(
            "the MLflow model at %s has flavor(s) %s; without the mlflow package only the sklearn flavor can be "
            "served: pip install mlflow (into %s)" % (folder, names, sys.executable)
        )
    if code:
        code_dir = os.path.join(folder, code)
        if code_dir not in sys.path:
            sys.path.insert(0, code_dir)
    model = load_pickled(os.path.join(folder, file_name), fmt)

    def predict_sklearn(data, params):
        if params:
            log.warning("params %s ignored: the sklearn flavor's predict() takes none", sorted(params))
        return model.predict(data)

    wrapped = MlflowModel(folder, mlmodel, predict_sklearn, "sklearn flavor (%s)" % fmt)
    wrapped.estimator = model
    return wrapped


def load_pickled(file_path, fmt):
    if fmt not in ("pickle", "cloudpickle"):
        raise ModelLoadError(
            "serialization_format %r of %s is not supported without mlflow (pickle or cloudpickle): "
            "pip install mlflow" % (fmt, file_path)
        )
    loader = pickle
    if fmt == "cloudpickle":
        try:
            import cloudpickle  # noqa: PLC0415 (optional)

            loader = cloudpickle
        except ImportError:
            log.info("cloudpickle is not installed; reading %s with pickle", file_path)
    with open(file_path, "rb") as f:
        try:
            return loader.load(f)
        except ModuleNotFoundError as exc:
            raise ModelLoadError(
                "unpickling %s needs the module %r, which this Python (%s) cannot import: pip install %s"
                % (file_path, exc.name, sys.executable, "cloudpickle" if exc.name == "cloudpickle" else exc.name)
            )


# --- requests -----------------------------------------------------------------------------------------------


def parse_request(raw):
    """(shape, payload, params): shape is 'split' | 'records' | 'list' | 'columns'."""
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise BadRequest("the request body is not JSON: %s" % exc)
    if not isinstance(body, dict):
        raise BadRequest("Request must contain a top level key named 'input_data'")
    params = body.get("params")
    if params is not None and not isinstance(params, dict):
        raise BadRequest("params must be a JSON object")
    for key in ("input_data", "dataframe_split", "dataframe_records", "inputs", "instances"):
        if key in body:
            value = body[key]
            break
    else:
        raise BadRequest("Request must contain a top level key named 'input_data'")
    if key == "dataframe_split" and not isinstance(value, dict):
        raise BadRequest("dataframe_split must be an object with columns and data")
    if key == "dataframe_records" and not isinstance(value, list):
        raise BadRequest("dataframe_records must be a list of objects")
    if isinstance(value, dict):
        if "data" in value:
            data = value["data"]
            if not isinstance(data, list):
                raise BadRequest("input_data.data must be a list of rows")
            columns = value.get("columns")
            if columns is not None and not isinstance(columns, list):
                raise BadRequest("input_data.columns must be a list of names")
            return ("split", {"columns": columns, "data": data, "index": value.get("index")}, params)
        if key in ("inputs", "instances", "input_data"):
            # {"col": [v1, v2], ...}: one list per column.
            return ("columns", value, params)
        raise BadRequest("input_data must be the split form ({columns, index, data}), a list of records or a list")
    if not isinstance(value, list):
        raise BadRequest("input_data must be the split form ({columns, index, data}), a list of records or a list")
    if value and all(isinstance(r, dict) for r in value):
        return ("records", value, params)
    if any(isinstance(r, dict) for r in value):
        raise BadRequest("input_data mixes records (objects) with other values")
    return ("list", value, params)


def to_table(shape, payload, signature):
    """(column names or None, rows) after the signature check; rows are lists in column order."""
    if shape == "split":
        columns, rows = payload["columns"], payload["data"]
        for i, row in enumerate(rows):
            if not isinstance(row, list):
                raise BadRequest("input_data.data[%d] is not a list (rows are lists of values)" % i)
            if columns is not None and len(row) != len(columns):
                raise BadRequest(
                    "input_data.data[%d] has %d values for %d columns" % (i, len(row), len(columns))
                )
    elif shape == "records":
        columns = []
        for record in payload:
            for name in record:
                if name not in columns:
                    columns.append(name)
        rows = [[record.get(name) for name in columns] for record in payload]
    elif shape == "columns":
        columns = list(payload)
        lengths = {len(v) if isinstance(v, list) else 1 for v in payload.values()}
        if len(lengths) > 1:
            raise BadRequest("the columns of input_data have different lengths")
        count = lengths.pop() if lengths else 0
        rows = [
            [payload[c][i] if isinstance(payload[c], list) else payload[c] for c in columns] for i in range(count)
        ]
    else:
        columns, rows = None, payload
    if signature is None:
        return columns, rows
    expected = [name for name, _ in signature]
    if columns is None:
        # Unnamed rows: each must have one value per signature column.
        width = len(expected)
        for i, row in enumerate(rows):
            n = len(row) if isinstance(row, list) else 1
            if n != width:
                raise BadRequest(
                    "row %d has %d values but the model's signature has %d columns (%s)"
                    % (i, n, width, ", ".join(map(str, expected)))
                )
        return expected, [row if isinstance(row, list) else [row] for row in rows]
    missing = [name for name, required in signature if required and name not in columns]
    unknown = [c for c in columns if c not in expected]
    if missing:
        hint = "; the request has columns the signature does not know: %s" % ", ".join(map(str, unknown)) if unknown else ""
        raise BadRequest(
            "the model's signature needs %d columns; missing: %s%s"
            % (len(expected), ", ".join(map(str, missing)), hint)
        )
    if unknown:
        log.warning("columns not in the model's signature dropped: %s", ", ".join(map(str, unknown)))
    present = [name for name in expected if name in columns]
    at = {name: columns.index(name) for name in present}
    return present, [[row[at[name]] for name in present] for row in rows]


def model_input(model, columns, rows, index=None):
    """A pandas DataFrame when pandas is importable and wanted, else a numpy array, else the rows."""
    try:
        import pandas  # noqa: PLC0415 (optional)
    except ImportError:
        pandas = None
    estimator = getattr(model, "estimator", None)
    wants_names = model.kind == "mlflow.pyfunc" or hasattr(estimator, "feature_names_in_")
    if pandas is not None and columns is not None and wants_names:
        frame = pandas.DataFrame(rows, columns=columns)
        if index is not None and len(index) == len(rows):
            frame.index = index
        return frame
    try:
        import numpy  # noqa: PLC0415 (optional; scikit-learn brings it)
    except ImportError:
        return rows
    return numpy.asarray(rows)


def to_jsonable_predictions(result):
    if hasattr(result, "to_dict") and hasattr(result, "columns"):  # a DataFrame: records
        return json.loads(result.to_json(orient="records"))
    if hasattr(result, "tolist"):
        return result.tolist()
    if hasattr(result, "to_list"):
        return result.to_list()
    if isinstance(result, tuple):
        return list(result)
    return result


class MlflowEntry:
    """What host.py's handler calls: run(raw) -> a JSON-able list; BadRequest -> 400."""

    def __init__(self, model):
        self.model = model

    def run(self, raw):
        shape, payload, params = parse_request(raw)
        columns, rows = to_table(shape, payload, self.model.columns)
        index = payload.get("index") if shape == "split" else None
        data = model_input(self.model, columns, rows, index)
        return to_jsonable_predictions(self.model.predict(data, params))


def load_entry(path):
    model = load(path)
    log.info("MLflow model %s loaded with %s", model.folder, model.kind)
    return MlflowEntry(model)
