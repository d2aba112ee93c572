"""The web interface: server-rendered pages (Jinja2 + htmx) over the same flows as the API."""
