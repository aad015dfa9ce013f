"""One router per resource; :func:`api.main.create_app` includes them all."""
