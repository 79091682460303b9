"""The HTTP service (FastAPI): ``create_app(engine, config)``; ``dispatch serve`` runs it."""

from dispatch.service.app import ServiceState as ServiceState
from dispatch.service.app import create_app as create_app
from dispatch.service.config import Role as Role
from dispatch.service.config import ServiceConfig as ServiceConfig
from dispatch.service.config import load_tokens as load_tokens
from dispatch.service.config import parse_tokens as parse_tokens
