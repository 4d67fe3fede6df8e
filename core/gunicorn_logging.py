"""gunicorn's access log without survey tokens: ``--logger-class
core.gunicorn_logging.RedactingLogger`` (Dockerfile, docker-compose.yml)."""

from gunicorn import glogging

from .log_redaction import redact

_PATH_ATOMS = ("r", "U", "f", "{referer}i")


class RedactingLogger(glogging.Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in _PATH_ATOMS:
            if isinstance(atoms.get(key), str):
                atoms[key] = redact(atoms[key])
        return atoms
