"""One router per API. Every module here that defines ``router`` (a FastAPI ``APIRouter``)
is mounted by :func:`mcbadge.server.app.create_app`, so adding an API never edits a list."""
