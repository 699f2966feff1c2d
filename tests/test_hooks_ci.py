"""The GitHub composite action, the GitLab template and the Patchwork block, tried for real.

GitHub: the README's workflow gives the action its inputs; a small stand-in for the runner runs the
action's `run:` steps in bash the way a runner does (bash -eo pipefail, the GITHUB_* variables,
GITHUB_OUTPUT files, `${{ }}` expressions filled in). `actions/setup-python` is the one step it
cannot run: a fresh venv (ci_python) plays the Python it would set up.
GitLab: the template's before_script and script lines run as one bash script with the CI_*
variables a runner sets, and the Code Quality report must carry every field GitLab reads.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from test_hooks_support import (CHECKOUT, _ci_python_dir, add_xen_door, ci_python, entrylint_source,  # noqa: F401
                                harmless_edit, pip_cache, pip_env, readme_block, run, with_entrylint,
                                without_entrylint)

ACTION = yaml.safe_load((CHECKOUT / "hooks/github/action.yml").read_text())
TEMPLATE = yaml.safe_load((CHECKOUT / "hooks/gitlab/entrylint.gitlab-ci.yml").read_text())
SARIF_SCHEMA = json.loads((CHECKOUT / "tests/schemas/sarif-schema-2.1.0.json").read_text())
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


# -- GitHub: structure ---------------------------------------------------------------------------
def _workflow() -> dict:
    # PyYAML reads the key `on` as True (YAML 1.1); GitHub reads it as "on".
    return yaml.safe_load(readme_block("github-workflow"))


def _our_step(job: dict) -> dict:
    return next(s for s in job["steps"] if "/hooks/github" in s.get("uses", ""))


def test_action_structure():
    assert ACTION["runs"]["using"] == "composite"
    assert set(ACTION["inputs"]) == {"range", "image", "base-image", "fail-on", "python-version", "sarif-file",
                                     "build", "build-config", "build-arch", "build-cache-size"}
    assert ACTION["inputs"]["build"]["default"] in ("false", False)
    assert ACTION["inputs"]["fail-on"]["default"] == "warning"
    steps = ACTION["runs"]["steps"]
    assert steps[0]["uses"].startswith("actions/setup-python@")
    assert steps[0]["with"]["python-version"] == "${{ inputs.python-version }}"
    for step in steps[1:]:
        if "uses" in step:      # the build path's cache of images (actions/cache)
            assert step["uses"].startswith("actions/cache/")
            continue
        assert step["shell"] == "bash"
        assert "${{" not in step["run"], "inputs reach the script through env, never pasted into it"
    scripts = "\n".join(s["run"] for s in steps[1:] if "run" in s)
    assert "--format sarif --output" in scripts and "--format github" in scripts


def test_readme_workflow_structure():
    workflow = _workflow()
    assert workflow[True] == "pull_request"
    job = workflow["jobs"]["entrylint"]
    assert job["permissions"]["security-events"] == "write"
    checkout = job["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@") and checkout["with"]["fetch-depth"] == 0
    ours = _our_step(job)
    entrylint = next(s for s in job["steps"] if s.get("with", {}).get("path") == "entrylint")
    assert entrylint["uses"].startswith("actions/checkout@") and "OWNER" in entrylint["with"]["repository"]
    assert ours["uses"].startswith("./entrylint/")   # the action from that checkout: no invented URL
    assert (CHECKOUT / ours["uses"].removeprefix("./entrylint/") / "action.yml").is_file()
    assert ours["with"]["range"] == ("${{ github.event.pull_request.base.sha }}.."
                                     "${{ github.event.pull_request.head.sha }}")
    upload = job["steps"][-1]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["with"]["sarif_file"] == ACTION["inputs"]["sarif-file"]["default"]
    assert "!cancelled()" in upload["if"]   # the report is uploaded when entrylint fails the job


# -- GitHub: a stand-in for the runner -----------------------------------------------------------
def _lookup(expr: str, contexts: dict) -> str:
    assert re.fullmatch(r"[\w.-]+", expr), f"the stand-in runner reads property paths only: {expr}"
    head, *rest = expr.split(".")
    value = contexts[head]   # an unknown context is a mistake in the action
    for part in rest:
        value = value.get(part, "") if isinstance(value, dict) else ""
    return "" if value is None else str(value)


def _fill(text, contexts: dict) -> str:
    return EXPRESSION.sub(lambda m: _lookup(m.group(1), contexts), str(text))


def _read_outputs(path: Path) -> dict:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def run_action(workspace: Path, tmp: Path, ci_bin: Path, pip_cache: Path, event: dict, with_: dict,
               action_path: Path, install: bool = True) -> list:
    """Run the action's steps as a runner does; stop at the first failing step. Returns the runs.

    install=False leaves out the install step, for tests that run the action again and again.
    """
    inputs = {k: str(v.get("default", "")) for k, v in ACTION["inputs"].items()}
    github = {"action_path": str(action_path), "event": event, "workspace": str(workspace),
              "event_name": "pull_request"}
    inputs.update({k: _fill(v, {"github": github}) for k, v in with_.items()})
    event_file = tmp / "event.json"
    event_file.write_text(json.dumps(event))
    contexts = {"github": github, "inputs": inputs, "steps": {}, "runner": {"temp": str(tmp)}}
    runs = []
    for i, step in enumerate(ACTION["runs"]["steps"]):
        if "uses" in step:   # setup-python is played by ci_python; actions/cache has nothing to keep here
            assert step["uses"].startswith(("actions/setup-python@", "actions/cache/"))
            continue
        if step["name"] == "Install entrylint" and not install:
            continue
        output = tmp / f"output-{i}"
        output.write_text("")
        env = pip_env(pip_cache, ci_bin, GITHUB_ACTIONS="true", CI="true", GITHUB_WORKSPACE=str(workspace),
                      GITHUB_EVENT_NAME="pull_request", GITHUB_EVENT_PATH=str(event_file),
                      GITHUB_SHA=workspace_head(workspace), GITHUB_ACTION_PATH=str(action_path),
                      GITHUB_OUTPUT=str(output), GITHUB_ENV=str(tmp / "env"), GITHUB_PATH=str(tmp / "path"),
                      GITHUB_STEP_SUMMARY=str(tmp / "summary"), RUNNER_TEMP=str(tmp))
        env.update({k: _fill(v, contexts) for k, v in step.get("env", {}).items()})
        script = tmp / f"step-{i}.sh"
        script.write_text(_fill(step["run"], contexts))
        proc = run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=workspace, env=env)
        proc.step = step.get("name", step.get("id"))
        runs.append(proc)
        if "id" in step:
            contexts["steps"][step["id"]] = {"outputs": _read_outputs(output)}
        if proc.returncode != 0:
            break
    return runs


def workspace_head(workspace: Path) -> str:
    return run(["git", "rev-parse", "HEAD"], cwd=workspace, check=True).stdout.decode().strip()


def _pull_request(repo, base: str) -> dict:
    return {"pull_request": {"base": {"sha": base}, "head": {"sha": repo.head()}, "number": 7}}


@pytest.fixture
def action(repo, tmp_path, ci_python, pip_cache, entrylint_source):
    """Runs the README workflow's entrylint step on the repo; the action comes from a git copy of
    this checkout (as `uses:` fetches it), so its install step installs that copy."""
    source, _ = entrylint_source
    (repo.path / ".git/info/exclude").write_text("entrylint.sarif\nout/\n")   # reports, not commits
    step = _our_step(_workflow()["jobs"]["entrylint"])
    subdir = step["uses"].removeprefix("./entrylint/")

    def go(base: str | None, install: bool = False, with_: dict | None = None, **overrides):
        event = _pull_request(repo, base) if base else {}
        # these repositories are no kernel trees: the diff path (the build path is test_build's)
        inputs = {**(step["with"] if with_ is None else with_), "build": "false", **overrides}
        return run_action(repo.path, tmp_path, ci_python, pip_cache, event, inputs, source / subdir, install)
    return go


@pytest.mark.slow   # pip installs entrylint (once per session)
def test_action_on_a_pull_request_that_adds_a_door(repo, action, ci_python):
    without_entrylint(ci_python)
    base = repo.head()
    harmless_edit(repo)
    repo.commit("init: a comment")
    add_xen_door(repo)
    runs = action(base, install=True)
    install, settle, sarif, annotations = runs
    assert install.returncode == 0, install.out
    assert (ci_python / "entrylint").exists()   # installed by the action's own step
    assert settle.returncode == 0 and sarif.returncode == 0, (settle.out, sarif.out)
    assert annotations.returncode == 1, annotations.out   # fail-on warning: an error fails the job
    assert "::error file=arch/x86/xen/xen-head.S,line=13,title=EL101 new-entry-note::" in annotations.out

    report = json.loads((repo.path / "entrylint.sarif").read_text())   # where the README uploads from
    jsonschema.validate(report, SARIF_SCHEMA)
    results = report["runs"][0]["results"]
    assert any(r["ruleId"] == "EL101" and r["level"] == "error" for r in results)


@pytest.mark.slow   # pip installs entrylint (once per session)
def test_action_passes_a_clean_pull_request_and_honours_fail_on(repo, action, ci_python, pip_cache, entrylint_source):
    source, _ = entrylint_source
    with_entrylint(ci_python, source, pip_cache)   # the install step is tried in the test above
    base = repo.head()
    harmless_edit(repo)
    repo.commit("init: a comment")
    clean = action(base)
    assert [r.returncode for r in clean] == [0, 0, 0], [r.out for r in clean]
    assert json.loads((repo.path / "entrylint.sarif").read_text())["runs"][0]["results"] == []

    add_xen_door(repo)
    lenient = action(base, **{"fail-on": "none", "sarif-file": "out/e.sarif"})
    assert [r.returncode for r in lenient] == [0, 0, 0], [r.out for r in lenient]
    assert "::error file=arch/x86/xen/xen-head.S" in lenient[2].out   # shown, not failing
    assert (repo.path / "out/e.sarif").exists()

    bad = action(base, **{"fail-on": "sometimes"})
    assert bad[-1].returncode == 2 and "fail-on must be" in bad[-1].out
    bad_arch = action(base, **{"build-arch": "mips"})
    assert bad_arch[-1].returncode == 2 and "build-arch must be x86_64 or arm64" in bad_arch[-1].out

    no_range = action(None, with_={})   # not a pull request, and no range input
    assert no_range[-1].returncode == 2 and "no range given" in no_range[-1].out

    default_range = action(base, with_={})   # a pull request, no range input: its commits
    assert default_range[-1].returncode == 1 and "EL101" in default_range[-1].out


# -- GitLab --------------------------------------------------------------------------------------
GITLAB_REPORT_FIELDS = {"description", "check_name", "fingerprint", "severity", "location"}
GITLAB_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def test_gitlab_template_structure():
    include = yaml.safe_load(readme_block("gitlab-include"))
    included = include["include"][0]
    assert "GROUP" in included["project"] and included["file"].endswith("/hooks/gitlab/entrylint.gitlab-ci.yml")
    job = TEMPLATE["entrylint"]
    assert job["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    assert job["artifacts"]["when"] == "always"
    assert job["variables"]["GIT_DEPTH"] == "0"
    assert any("merge_request_event" in r["if"] for r in job["rules"])
    assert set(include["variables"]) <= set(job["variables"])   # the README overrides real knobs


def _gitlab_job(repo, ci_bin: Path, pip_cache: Path, source: Path, install: bool = False, **ci_vars: str):
    """Run the job's lines (before_script, the install, only when `install`) in one bash script."""
    job = TEMPLATE["entrylint"]
    variables = {**job["variables"], **yaml.safe_load(readme_block("gitlab-include"))["variables"]}
    variables["ENTRYLINT_PIP_SPEC"] = str(source)   # the user's copy of entrylint, here this checkout's
    variables["ENTRYLINT_BUILD"] = "0"   # these repositories are no kernel trees: the diff path
    script = "\n".join([*(job["before_script"] if install else []), *job["script"]])
    env = pip_env(pip_cache, ci_bin, CI="true", GITLAB_CI="true", CI_PROJECT_DIR=str(repo.path),
                  CI_DEFAULT_BRANCH="master", CI_COMMIT_SHA=repo.head(), **variables, **ci_vars)
    report = repo.path / job["artifacts"]["reports"]["codequality"]
    report.unlink(missing_ok=True)
    proc = run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=repo.path, env=env)
    data = json.loads(report.read_text()) if report.exists() else None
    report.unlink(missing_ok=True)   # an artifact, not part of the next commit
    return proc, data


@pytest.mark.slow   # pip installs entrylint (once per session)
def test_gitlab_merge_request_pipeline(repo, ci_python, pip_cache, entrylint_source):
    source, _ = entrylint_source
    without_entrylint(ci_python)
    base = repo.head()
    harmless_edit(repo)
    repo.commit("init: a comment")
    add_xen_door(repo)
    proc, report = _gitlab_job(repo, ci_python, pip_cache, source, True, CI_PIPELINE_SOURCE="merge_request_event",
                               CI_MERGE_REQUEST_DIFF_BASE_SHA=base, CI_COMMIT_BEFORE_SHA="0" * 40)
    assert proc.returncode == 1, proc.out     # fail-on warning, and an error was found
    assert (ci_python / "entrylint").exists()   # installed by the template's own line
    assert f"entrylint: checking {base}..{repo.head()}" in proc.out
    assert "EL101 new-entry-note" in proc.out
    assert report, proc.out
    for entry in report:
        assert GITLAB_REPORT_FIELDS <= set(entry), entry
        assert entry["severity"] in GITLAB_SEVERITIES
        assert entry["location"]["path"] and entry["location"]["lines"]["begin"] >= 1
    assert len({e["fingerprint"] for e in report}) == len(report)
    assert any(e["check_name"].startswith("EL101") and e["severity"] == "critical" for e in report)


@pytest.mark.slow   # pip installs entrylint (once per session)
def test_gitlab_branch_pipelines(repo, tmp_path, ci_python, pip_cache, entrylint_source):
    source, _ = entrylint_source
    with_entrylint(ci_python, source, pip_cache)   # the install line is tried in the test above
    remote = tmp_path / "origin.git"
    run(["git", "init", "-q", "--bare", str(remote)], cwd=tmp_path, check=True)
    repo.git("remote", "add", "origin", str(remote))
    repo.git("push", "-q", "origin", "master")
    fork_point = repo.head()

    repo.git("checkout", "-q", "-b", "topic")
    add_xen_door(repo)
    harmless_edit(repo)
    repo.commit("init: a comment")
    # a new branch: no before-sha, so the commits since it left the default branch
    proc, report = _gitlab_job(repo, ci_python, pip_cache, source, CI_PIPELINE_SOURCE="push",
                               CI_COMMIT_BRANCH="topic", CI_COMMIT_BEFORE_SHA="0" * 40)
    assert proc.returncode == 1 and f"checking {fork_point}..{repo.head()}" in proc.out, proc.out
    assert any(e["check_name"].startswith("EL101") for e in report)

    # a later push to the branch: only what that push added
    pushed_before = repo.head()
    harmless_edit(repo, 2)
    repo.commit("init: another comment")
    proc, report = _gitlab_job(repo, ci_python, pip_cache, source, CI_PIPELINE_SOURCE="push",
                               CI_COMMIT_BRANCH="topic", CI_COMMIT_BEFORE_SHA=pushed_before)
    assert proc.returncode == 0, proc.out
    assert report == []

    # the default branch itself: nothing since the fork point, an empty report and a pass
    repo.git("checkout", "-q", "master")
    proc, report = _gitlab_job(repo, ci_python, pip_cache, source, CI_PIPELINE_SOURCE="push",
                               CI_COMMIT_BRANCH="master", CI_COMMIT_BEFORE_SHA="0" * 40)
    assert proc.returncode == 0 and "no commits to check" in proc.out, proc.out
    assert report == []


# -- Patchwork (documented; the JSON body is tested in test_report_formats.py) -------------------
def test_patchwork_block(repo, tmp_path):
    block = readme_block("patchwork")
    assert run(["bash", "-n", "-c", block], cwd=tmp_path).returncode == 0
    assert "--format patchwork --target-url" in block and "pwclient check-create" in block
    assert "/api/patches/$PATCH_ID/checks/" in block
