"""REST adapter (Starlette, pure ASGI)."""
