"""A firm's gateway in front of a server for the tests: HTTPS with the firm's own
certificate authority, a bearer token required, every request passed on to the server
behind it. Chroma's own server (``chroma run``) has no authentication; a firm puts one
like this (nginx, a cloud load balancer) in front of it.

    python -m tests.gateway --upstream URL --port N --token-file F --tls FOLDER
"""

from __future__ import annotations

import argparse
from pathlib import Path

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

HOP_BY_HOP = {"host", "content-length", "connection", "transfer-encoding", "authorization"}


def gateway(upstream: str, token: str) -> Starlette:
    client = httpx.AsyncClient(base_url=upstream, timeout=60, trust_env=False)

    async def forward(request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {token}":
            return Response("missing or wrong token", status_code=401)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        reply = await client.request(
            request.method,
            request.url.path,
            params=request.url.query,
            content=await request.body(),
            headers=headers,
        )
        kept = {k: v for k, v in reply.headers.items() if k.lower() not in HOP_BY_HOP}
        kept.pop("content-encoding", None)  # httpx has decoded the body
        return Response(reply.content, status_code=reply.status_code, headers=kept)

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    return Starlette(routes=[Route("/{path:path}", forward, methods=methods)])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token-file", required=True)
    parser.add_argument("--tls", required=True, help="the folder certificate_authority wrote")
    args = parser.parse_args()
    tls = Path(args.tls)
    app = gateway(args.upstream, Path(args.token_file).read_text().strip())
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        ssl_certfile=str(tls / "server.pem"),
        ssl_keyfile=str(tls / "key.pem"),
        log_level="warning",
    )


if __name__ == "__main__":
    main()
