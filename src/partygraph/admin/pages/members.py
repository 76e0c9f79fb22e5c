"""Admin pages: members."""

from starlette.routing import Route

routes: list[Route] = []
