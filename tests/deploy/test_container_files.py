"""The deployment files hold together: every path the Dockerfile copies exists, the Dockerfile,
make and CI install through the one script, and compose's services run commands that exist."""
from __future__ import annotations

import re
import shlex

import pytest
import yaml
from click.testing import CliRunner

from graders.cli.main import _load_plugins, cli
from tests.conftest import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text()
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
INSTALL = "scripts/install.sh"


def instructions(keyword: str) -> list[str]:
    """The Dockerfile's instructions of one kind, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE)
    return [line.split(None, 1)[1] for line in joined.splitlines()
            if line.strip().upper().startswith(keyword + " ")]


def test_every_copied_path_exists():
    copies = instructions("COPY")
    assert copies
    for args in copies:
        *sources, _dest = shlex.split(args)
        for src in sources:
            assert not src.startswith("--"), f"COPY option not handled here: {args}"
            assert (ROOT / src).exists(), f"the Dockerfile copies {src}, which does not exist"


def test_dockerignore_keeps_what_is_copied():
    ignored = {line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    for args in instructions("COPY"):
        for src in shlex.split(args)[:-1]:
            assert src.rstrip("/") not in ignored, f"{src} is copied but .dockerignore drops it"


def test_one_install_script_for_image_make_and_ci():
    assert (ROOT / INSTALL).stat().st_mode & 0o111, f"{INSTALL} is not executable"
    assert any(INSTALL in run for run in instructions("RUN")), "the Dockerfile does not run it"
    make = (ROOT / "Makefile").read_text()
    setup = make[make.index("$(STAMP):"):make.index("setup:")]
    assert INSTALL in setup and "pip install" not in setup, "make setup does not use it alone"
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.M), "CI does not run make test (which runs setup)"


def test_image_basics():
    assert instructions("FROM") == ["${BASE}"] and "ARG BASE=" in DOCKERFILE
    assert "bookworm" in DOCKERFILE.split("ARG BASE=")[1].splitlines()[0]
    assert instructions("ENTRYPOINT") == ['["/usr/bin/tini", "--"]']
    assert instructions("USER") == ["tracegrade"]
    assert instructions("HEALTHCHECK") and "/healthz" in instructions("HEALTHCHECK")[0]


def commands(service: dict) -> list[list[str]]:
    cmd = service.get("command")
    if cmd is None:
        return [["tracegrade", "serve"]]                 # the image's CMD
    if cmd[:2] == ["sh", "-c"]:
        return [shlex.split(part) for part in cmd[2].split("&&")]
    return [cmd]


@pytest.mark.parametrize("name", ["postgres", "redis", "migrate", "web", "worker"])
def test_compose_services_exist_with_healthchecks(name):
    service = COMPOSE["services"][name]
    if name != "migrate":          # a one-shot job has nothing to keep checking
        check = service.get("healthcheck") or {}
        assert check.get("test"), f"{name} has no healthcheck"
        assert not check.get("disable")


def test_compose_commands_exist():
    _load_plugins()
    runner = CliRunner()
    seen = 0
    for name, service in COMPOSE["services"].items():
        if name in ("postgres", "redis"):
            continue
        for argv in commands(service):
            if argv[0] == "gunicorn":
                module, attr = argv[-1].split(":")
                assert (ROOT / (module.replace(".", "/") + ".py")).is_file(), argv
                continue
            assert argv[0] == "tracegrade", argv
            words = [w for w in argv[1:] if not w.startswith("-") and not w.startswith("/")]
            result = runner.invoke(cli, [*words, "--help"])
            assert result.exit_code == 0, f"compose {name}: `{' '.join(argv)}` is no command:\n{result.output}"
            seen += 1
        check = (service.get("healthcheck") or {}).get("test", [])
        if check[:2] == ["CMD", "tracegrade"]:
            result = runner.invoke(cli, [*check[2:3], "--help"])
            assert "--check" in result.output, f"compose {name}: healthcheck {check}"
    assert seen >= 2
    assert set(COMPOSE["volumes"]) >= {"pgdata", "redisdata", "instance"}


def test_compose_scales_out_on_redis():
    """web sends and workers consume on the redis service; workers share no volume with the web
    (their exercise files come from PostgreSQL), so `--scale worker=N` needs nothing else."""
    services = COMPOSE["services"]
    assert services["redis"]["command"][0] == "redis-server"
    assert any("redisdata:" in v for v in services["redis"]["volumes"])
    for name in ("web", "worker"):
        url = services[name]["environment"]["TRACEGRADE_BROKER_URL"]
        assert url.startswith("redis://redis:"), (name, url)
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"
    worker = services["worker"]
    assert not worker.get("volumes"), "a worker mounts a volume: it must share no files with the web"
    assert "container_name" not in worker and "ports" not in worker, "the worker cannot be scaled"
