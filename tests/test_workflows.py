"""The GitHub Actions workflows (this repository's and the ones `kimsite init` writes): valid YAML,
only GitHub's own pinned actions, and the commands the README documents."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from kimsite.scaffold import workflow_files

REPO = Path(__file__).resolve().parent.parent
WORKFLOWS = REPO / ".github" / "workflows"
OFFICIAL = {"actions/checkout", "actions/setup-python", "actions/configure-pages", "actions/upload-pages-artifact",
            "actions/deploy-pages", "actions/cache"}


def load(text: str) -> dict:
    data = yaml.safe_load(text)
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def steps(job: dict) -> list[dict]:
    return job["steps"]


def runs(data: dict) -> list[str]:
    return [step["run"] for job in data["jobs"].values() for step in steps(job) if "run" in step]


@pytest.fixture(params=["repo", "init"])
def workflows(request) -> dict[str, dict]:
    texts = workflow_files(for_repo=request.param == "repo")
    return {Path(rel).name: load(text) for rel, text in texts.items()}


def test_the_repository_files_are_the_generated_ones():
    for rel, text in workflow_files(for_repo=True).items():
        assert (REPO / rel).read_text(encoding="utf-8") == text, f"{rel} differs; regenerate it"
    assert sorted(p.name for p in WORKFLOWS.glob("*.yml")) == ["check.yml", "pages.yml"]


def test_only_official_pinned_actions(workflows):
    used = [step["uses"] for data in workflows.values() for job in data["jobs"].values() for step in steps(job)
            if "uses" in step]
    assert used
    for action in used:
        name, _, version = action.partition("@")
        assert name in OFFICIAL, action
        assert re.fullmatch(r"v\d+", version), f"{action} must be pinned to a major version"


def test_pages_checks_then_builds_with_the_pages_url_and_deploys(workflows):
    pages = workflows["pages.yml"]
    assert pages["on"]["push"]["branches"] == ["main"]
    assert pages["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    build = pages["jobs"]["build"]
    configure = next(s for s in steps(build) if s.get("uses", "").startswith("actions/configure-pages@"))
    assert configure["id"] == "pages"
    commands = [s for s in steps(build) if "run" in s and s["run"].startswith("kimsite ")]
    check, build_step = commands
    assert check["run"].startswith("kimsite check")
    assert build_step["run"] == 'kimsite build --base-url "$BASE_URL"'
    assert build_step["env"]["BASE_URL"] == "${{ steps.pages.outputs.base_url }}"
    assert steps(build).index(configure) < steps(build).index(check) < steps(build).index(build_step)
    upload = steps(build)[-1]
    assert upload["uses"].startswith("actions/upload-pages-artifact@") and upload["with"]["path"] == "build"
    setup = next(s for s in steps(build) if s.get("uses", "").startswith("actions/setup-python@"))
    assert setup["with"]["cache"] == "pip"
    deploy = pages["jobs"]["deploy"]
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    assert steps(deploy)[0]["uses"].startswith("actions/deploy-pages@")


def test_pull_requests_run_check_with_github_annotations(workflows):
    check = workflows["check.yml"]
    assert set(check["on"]) == {"pull_request"}
    assert check["permissions"] == {"contents": "read"}
    assert "kimsite check --format github" in runs(check)


def test_the_readme_documents_the_commands_the_workflows_run():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for data in (load(t) for t in workflow_files(for_repo=True).values()):
        for command in runs(data):
            if command.startswith("kimsite "):
                documented = " ".join(command.split()[:2])  # `kimsite check`, `kimsite build`
                assert f"`{documented}" in readme, f"README does not mention {documented}"
    assert "--base-url" in readme and "actions/deploy-pages" in readme


def test_init_sites_install_the_pinned_kimsite(tmp_path):
    texts = workflow_files(for_repo=False)
    for text in texts.values():
        assert "pip install -r requirements.txt" in text
        assert "cache-dependency-path: requirements.txt" in text
    repo_texts = workflow_files(for_repo=True)
    for text in repo_texts.values():
        assert "pip install ." in text and "cache-dependency-path: pyproject.toml" in text


def test_pages_keeps_the_build_cache_between_deploys(workflows):
    """Without it every deploy encodes every photo and renders every page's Markdown again."""
    build = workflows["pages.yml"]["jobs"]["build"]
    names = [s.get("uses", s.get("name", "")) for s in steps(build)]
    cache = next(s for s in steps(build) if s.get("uses", "").startswith("actions/cache@"))
    assert cache["with"]["path"] == ".kimsite-cache"
    assert "github.sha" in cache["with"]["key"] and cache["with"]["restore-keys"].endswith("-")
    build_step = next(i for i, s in enumerate(steps(build)) if s.get("run", "").startswith("kimsite build"))
    assert names.index(cache["uses"]) < build_step
