"""The htmx admin: each page runs a named GraphQL operation in-process and renders a template."""
