"""Import a settings module afresh under a given environment, for tests of the settings themselves.

The running test's settings are untouched: the modules are imported under their own names, then the ones
Django already holds are put back. django-environ reads `environ.Env.ENVIRON` only, so that is swapped for
the given variables (and no .env file is read); every variable read is recorded.
"""
import importlib
import sys
from contextlib import contextmanager
from types import ModuleType

import environ


@contextmanager
def _isolated_env(variables: dict, reads: set):
    original_environ, original_read_env, original_get_value = environ.Env.ENVIRON, environ.Env.read_env, \
        environ.Env.get_value

    def get_value(self, var, *args, **kwargs):
        reads.add(var)
        return original_get_value(self, var, *args, **kwargs)

    environ.Env.ENVIRON = dict(variables)
    environ.Env.read_env = classmethod(lambda cls, *args, **kwargs: None)
    environ.Env.get_value = get_value
    saved = {name: sys.modules.pop(name) for name in list(sys.modules) if name.startswith("config.settings.")}
    try:
        yield
    finally:
        for name in [name for name in sys.modules if name.startswith("config.settings.")]:
            del sys.modules[name]
        sys.modules.update(saved)
        environ.Env.ENVIRON, environ.Env.read_env, environ.Env.get_value = (
            original_environ, original_read_env, original_get_value)


def load_settings(module: str, variables: dict, reads: set | None = None) -> ModuleType:
    """`config.settings.<module>` imported with exactly `variables` as its environment."""
    reads = set() if reads is None else reads
    with _isolated_env(variables, reads):
        return importlib.import_module(f"config.settings.{module}")


def documented(**changes) -> dict:
    """The environment .env.example documents, with a secret key, and `changes` (None deletes a variable)."""
    from core.deploy_check import env_example

    values, _ = env_example()
    variables = {**values, "DJANGO_SECRET_KEY": "x" * 60, **changes}
    return {name: value for name, value in variables.items() if value is not None}
