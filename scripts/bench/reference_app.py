"""The reference side of scripts/bench-load.sh: a FastAPI app behind the reference SDK's
middleware (huace-aigc-auth-client 1.1.45, `AuthMiddleware.get_fastapi_middleware_class`), as its
README wires it, with `GET /me` answering the verified user. Statistics upload is off, as it is
on the polyauth side. Configured by AIGC_AUTH_APP_ID, AIGC_AUTH_APP_SECRET and
AIGC_AUTH_BASE_URL; run with `uvicorn reference_app:app`.
"""

import dataclasses
import logging

from fastapi import FastAPI, Request
from huace_aigc_auth_client.sdk import AigcAuthClient, AuthMiddleware

logging.getLogger("huace_aigc_auth_client").setLevel(logging.CRITICAL)

client = AigcAuthClient()
middleware = AuthMiddleware(client, exclude_paths=["/health"], enable_stats=False)

app = FastAPI()
app.add_middleware(middleware.get_fastapi_middleware_class())


@app.get("/health")
async def health():
    return {"status": "ok"}


@app.get("/me")
async def me(request: Request):
    return dataclasses.asdict(request.state.user_info)
