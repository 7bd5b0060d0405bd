"""The baseline a user would write by hand: Starlette + uvicorn, one predict_proba per request.

Serves the same model file with the same request and response shapes as the BentoML
service, without validation or batching. bench/serve.py runs it beside the service:
  BASELINE_MODEL=models/model.joblib uvicorn --factory bench.baseline_app:from_env --workers N
"""

import os

import joblib
import numpy as np
import pandas as pd
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


def make_app(model_path: str) -> Starlette:
    model = joblib.load(model_path)
    classes = [str(c) for c in model.classes_]

    async def predict(request: Request) -> JSONResponse:
        rows = (await request.json())["rows"]
        proba = model.predict_proba(pd.DataFrame(rows).fillna(np.nan))
        return JSONResponse(
            [
                {
                    "label": classes[int(np.argmax(p))],
                    "probabilities": dict(zip(classes, p.tolist(), strict=True)),
                }
                for p in proba
            ]
        )

    async def ready(request: Request) -> JSONResponse:
        return JSONResponse({"ready": True})

    return Starlette(routes=[Route("/predict", predict, methods=["POST"]), Route("/readyz", ready)])


def from_env() -> Starlette:
    """The app for uvicorn's --factory: the model path comes from BASELINE_MODEL."""
    return make_app(os.environ["BASELINE_MODEL"])
