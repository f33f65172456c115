"""The deployment artefacts: production settings pass check --deploy; compose validates."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from conftest import IN_CI

ROOT = Path(settings.BASE_DIR)
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "x7!k2@p9#m4$q8%w1^e6&r3*t5(y0)u-i_o=p+a[s]d{f}g|h;j:k,l.z<x>c?v",
    "DJANGO_ALLOWED_HOSTS": "portal.example.gov.cn",
    "DATABASE_URL": "sqlite:////tmp/deploy-check.sqlite3",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "ID_HASH_KEY": "a-real-key-from-a-vault-with-at-least-32-characters",
    "FIELD_ENCRYPTION_KEY": "5z0cb0DHbe1u6LEd2ymS4HTzg0mRD7o2sFTptxB4KZw=",
    "PUBLIC_BASE_URL": "https://portal.example.gov.cn",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_production_variables():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "ID_HASH_KEY", "FIELD_ENCRYPTION_KEY"])
def test_production_refuses_to_start_without_a_secret(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ID_HASH_KEY", "demo-only-id-hash-key-not-for-production"),
        ("ID_HASH_KEY", "short"),
        ("FIELD_ENCRYPTION_KEY", "ZGVtby1vbmx5LWtleS1ub3QtZm9yLXByb2R1Y3Rpb24="),
        ("FIELD_ENCRYPTION_KEY", "not-a-fernet-key"),
    ],
)
def test_production_refuses_demo_and_invalid_keys(name, value):
    result = _manage("check", env=PRODUCTION_ENV | {name: value})
    assert result.returncode != 0
    assert name in result.stderr


def test_gunicorn_access_log_masks_id_numbers():
    """The request line gunicorn writes goes through the portal's mask filter."""
    import logging

    from common.logfilters import MaskIdNumbers
    from config import gunicorn as conf

    config = conf.logconfig_dict
    assert config["filters"]["mask_ids"]["()"] == "common.logfilters.MaskIdNumbers"
    assert all("mask_ids" in h["filters"] for h in config["handlers"].values())
    record = logging.LogRecord(
        "gunicorn.access",
        logging.INFO,
        __file__,
        1,
        '%(h)s "%(r)s" %(s)s',
        {"h": "10.0.0.1", "r": "GET /residents/?q=11010519491231002X HTTP/1.1", "s": "302"},
        None,
    )
    assert MaskIdNumbers().filter(record)
    line = record.getMessage()
    assert "11010519491231002X" not in line
    assert "1101**********002X" in line


def _compose() -> list[str] | None:
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run(
            [docker, "compose", "version"], capture_output=True, check=False
        ).returncode
        == 0
    ):
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_docker_compose_config_is_valid(tmp_path):
    compose = _compose()
    if compose is None:
        if IN_CI:
            pytest.fail("neither `docker compose` nor docker-compose is installed")
        pytest.skip("no docker compose here")
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    # The documented variables are exactly what the compose file needs.
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    result = subprocess.run(
        [*compose, "config", "-q"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    rendered = yaml.safe_load(
        result.stdout
        or subprocess.run(
            [*compose, "config"], cwd=tmp_path, capture_output=True, text=True, check=True
        ).stdout
    )
    services = rendered["services"]
    assert set(services) == {"proxy", "web", "worker", "beat", "postgres", "redis", "backup"}
    # the backup reads the documents, never writes them
    # (compose v2 renders a volume as a mapping, the older docker-compose as a string)
    mounts = [
        (v["target"], bool(v.get("read_only")))
        if isinstance(v, dict)
        else (v.split(":")[1], v.endswith(":ro"))
        for v in services["backup"]["volumes"]
    ]
    assert ("/data/media", True) in mounts
    # the proxy alone is published; the application is reached through it only
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    proxy_address = services["proxy"]["networks"]["portal"]["ipv4_address"]
    assert services["web"]["environment"]["DJANGO_TRUSTED_PROXIES"] == f"{proxy_address}/32"


def test_env_example_documents_every_variable_the_settings_read():
    documented = (ROOT / ".env.example").read_text(encoding="utf-8")
    source = "".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "config" / "settings").glob("*.py")
    )
    import re

    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', source))
    assert read, "no variables found"
    assert {v for v in read if v not in documented} == set()


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_proxy_forwards_and_its_log_forgets_public_codes_and_clients(tmp_path):
    """deploy/nginx.conf run by nginx in front of a stand-in for the portal: the request
    arrives with X-Forwarded-For, a body past 260 MB is refused by nginx itself, and the
    access log has no public code and, for public pages, no client address."""
    import http.server
    import threading
    import urllib.error
    import urllib.request

    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if nginx is None:
        if IN_CI:
            pytest.fail("nginx is not installed (.ci/run installs it)")
        pytest.skip("no nginx here")
    seen: list[dict] = []

    class Portal(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(dict(self.headers))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    backend = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Portal)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    port = _free_port()
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    site = site.replace("server web:8000;", f"server 127.0.0.1:{backend.server_port};")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    site = site.replace("/var/log/nginx/access.log", str(tmp_path / "access.log"))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log; daemon on;\n"
        f"events {{}}\nhttp {{ client_body_temp_path {tmp_path}; proxy_temp_path {tmp_path};\n"
        f"  include {tmp_path}/site.conf; }}\n"
    )
    subprocess.run(
        [nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        check=True,
        capture_output=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for path in ("/h/SecretPlaqueCode123456/voice/", "/households/"):
            with urllib.request.urlopen(base + path, timeout=5) as answer:  # noqa: S310
                assert answer.read() == b"ok"
        assert seen[0]["X-Forwarded-For"] == "127.0.0.1"
        too_big = urllib.request.Request(  # noqa: S310 (http to our own nginx)
            base + "/monitoring/feeds/", method="POST", headers={"Content-Length": str(261 << 20)}
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(too_big, timeout=5)  # noqa: S310
        assert refused.value.code == 413
        refused.value.close()
    finally:
        subprocess.run(
            [nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-s", "stop"],
            check=False,
            capture_output=True,
        )
        backend.shutdown()
        backend.server_close()
    log = (tmp_path / "access.log").read_text()
    assert "SecretPlaqueCode" not in log
    assert "- [" in log
    assert '"GET /h/-/voice/ HTTP/1.1"' in log
    assert "127.0.0.1 [" in log  # staff pages keep the address
